/** docs/contract.md §8 failures 4, 5 and 8, reproduced with real processes. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { SERVICE_SCRIPTS, spawnService } from '../../local-stack/service-process';
import { completionBody, createWorld, freePort, metricValue, PHASE2_CLASSES, PHASE2_TOPIC, uniquePastDate, waitFor, type E2eWorld } from './e2e-kit';

const PHASE3_TRIGGER = 'nba-phase3-trigger';

describe('end to end: contract failures', function () {
  this.timeout(120_000);
  let world: E2eWorld | undefined;
  let tempDir: string | undefined;

  afterEach(async function () {
    this.timeout(60_000);
    await world?.close();
    world = undefined;
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  it('failure 4: services crash-loop and never report → the orchestrator alerts instead of waiting silently', async () => {
    // A definition with deadlines in seconds: Phase 2 overdue after 3 s, Phase 3 silent after 3 s.
    const definition = structuredClone(loadPipelineDefinition());
    definition.transitions[0]!.overdueAfterMinutes = 0.05;
    definition.transitions[1]!.overdueAfterMinutes = 0.05;
    tempDir = mkdtempSync(path.join(tmpdir(), 'e2e-definition-'));
    const definitionPath = path.join(tempDir, 'pipeline.json');
    writeFileSync(definitionPath, JSON.stringify(definition));
    world = await createWorld({ definitionPath });
    await Promise.all([world.startWorker(), world.startBridge()]);

    const stuckDate = uniquePastDate();
    const silentDate = uniquePastDate();
    // Two Phase 2 processors of stuckDate crash-loop: they never report.
    for (const name of PHASE2_CLASSES.slice(0, 3)) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, stuckDate));
    // silentDate reaches Phase 3, whose services then never report at all.
    for (const name of PHASE2_CLASSES) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, silentDate));

    const sink = world.sink;
    const overdue = await waitFor('the overdue alert', () => sink.alerts.find((a) => a.game_date === stuckDate && a.transition === 'phase2_to_phase3' && /overdue/.test(a.title)), 45_000);
    assert.match(overdue.text, /Missing: .*p2_nbacom_gamebook_pdf/);
    assert.match(overdue.text, /p2_nbacom_boxscores/);
    const silence = await waitFor('the silence alert', () => sink.alerts.find((a) => a.game_date === silentDate && a.transition === 'phase3_to_phase4'), 45_000);
    assert.match(silence.title, /No phase_3_analytics completion/);
  });

  it('failure 5: a worker that cannot start loses no message; signals wait in Temporal until a good worker runs', async () => {
    world = await createWorld();
    const broken = spawnService('worker', SERVICE_SCRIPTS.worker, world.serviceEnv({ GOOGLE_CLOUD_PROJECT: '', WORKER_HEALTH_PORT: String(await freePort()) }));
    const exit = await broken.exited;
    assert.equal(exit.code, 1);
    assert.match(broken.output.join('\n'), /environment variable GOOGLE_CLOUD_PROJECT is missing/);

    const bridge = await world.startBridge();
    const gameDate = uniquePastDate();
    for (const name of PHASE2_CLASSES) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, gameDate));
    await waitFor('five signals accepted by Temporal', async () => metricValue(await bridge.metrics(), 'bridge_messages_acknowledged_total', { outcome: 'signalled' }) >= 5);
    await sleep(1_000);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(gameDate).length, 0);

    await world.startWorker();
    await waitFor('the Phase 3 trigger once a good worker runs', () => world!.reader(PHASE3_TRIGGER).forDate(gameDate).length === 1, 60_000);
  });

  it('a flood of malformed messages: every one in the DLQ, one alert at once and one summary with the count', async () => {
    world = await createWorld();
    const bridge = await world.startBridge({ BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS: '10' });
    const floodSize = 30;
    // Each body fails differently in its details (a position, a value), the same way in kind.
    const ids = await Promise.all(Array.from({ length: floodSize }, (_, i) => world!.publish(PHASE2_TOPIC, `{"processor_name": "P${i}", "game_date"${' '.repeat(i)}`)));
    const dlq = world.reader(`${PHASE2_TOPIC}-dlq`);
    await waitFor(`${floodSize} dead letters`, () => ids.every((id) => dlq.messages.some((m) => m.attributes.source_message_id === id)), 60_000);
    const sink = world.sink;
    const summary = await waitFor('the summary alert', () => sink.alerts.find((a) => a.dedup_key.startsWith(`bridge:dead-letter-summary:${PHASE2_TOPIC}:`)), 30_000);
    const about = sink.alerts.filter((a) => a.dedup_key.includes(PHASE2_TOPIC));
    assert.ok(about.length <= 2, `at most two alerts for the flood, got ${about.length}: ${about.map((a) => a.title).join(' | ')}`);
    const first = about.find((a) => a !== summary)!;
    assert.match(first.title, /Invalid completion message moved to nba-phase2-raw-complete-dlq/);
    assert.match(summary.title, new RegExp(`^${floodSize - 1} more invalid completion messages`));
    assert.match(summary.text, /body is not JSON/);
    const metrics = await bridge.metrics();
    assert.equal(metricValue(metrics, 'bridge_messages_acknowledged_total', { outcome: 'dead_lettered' }), floodSize);
    assert.equal(metricValue(metrics, 'bridge_dead_letter_alerts_total', { kind: 'first', outcome: 'delivered' }), 1);
    assert.equal(metricValue(metrics, 'bridge_dead_letter_alerts_total', { kind: 'summary', outcome: 'delivered' }), 1);
    assert.equal(metricValue(metrics, 'bridge_dead_letters_awaiting_alert'), 0);
    // Each message once in the DLQ, however it was acknowledged.
    assert.equal(new Set(dlq.messages.map((m) => m.attributes.source_message_id)).size, floodSize);
  });

  it('failure 8: while the bridge cannot reach Temporal, /health says so, an alert goes out and no message is acknowledged', async () => {
    world = await createWorld();
    const deadTemporal = `127.0.0.1:${await freePort()}`;
    const cutOff = await world.startBridge({ TEMPORAL_ADDRESS: deadTemporal });
    const gameDate = uniquePastDate();
    for (const name of PHASE2_CLASSES) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, gameDate));

    const sink = world.sink;
    const alert = await waitFor('the unreachable-Temporal alert', () => sink.alerts.find((a) => a.title.startsWith('Bridge cannot reach Temporal')), 30_000);
    assert.equal(alert.severity, 'critical');
    const health = await cutOff.health();
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'degraded');
    assert.equal((health.body.dependencies as Record<string, { healthy: boolean }>).temporal!.healthy, false);
    // Held, not handed back: every message waits in the bridge and is signalled again after a back-off, so the
    // outage spends none of its delivery attempts (a dead-letter policy counts those).
    await waitFor('every message held and retried', async () => {
      const text = await cutOff.metrics();
      return metricValue(text, 'bridge_messages_in_flight') >= 5 && metricValue(text, 'bridge_signal_retries_total') >= 10;
    }, 30_000);
    const metrics = await cutOff.metrics();
    assert.equal(metricValue(metrics, 'bridge_messages_acknowledged_total'), 0, 'nothing acknowledged while Temporal is unreachable');
    assert.equal(metricValue(metrics, 'bridge_messages_nacked_total', { reason: 'temporal_unavailable' }), 0, 'nothing handed back while it is held');
    assert.equal(metricValue(metrics, 'bridge_temporal_reachable'), 0);
    // On shutdown the held messages go back to Pub/Sub, for the next bridge.
    await cutOff.process.stop();

    // Everything comes back once a bridge reaches Temporal.
    await Promise.all([world.startWorker(), world.startBridge()]);
    await waitFor('the Phase 3 trigger after the outage', () => world!.reader(PHASE3_TRIGGER).forDate(gameDate).length === 1, 60_000);
  });
});
