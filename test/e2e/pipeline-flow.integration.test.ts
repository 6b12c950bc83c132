/**
 * The whole path with real processes: Pub/Sub emulator → bridge process → Temporal dev server → worker
 * process → trigger topics, Firestore, BigQuery and the alert webhook. Crashes are real SIGKILLs.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { Client, Connection } from '@temporalio/client';
import { gameDateWorkflowId, statusQuery } from '../../workflows/game-date/messages';
import {
  completionBody,
  createWorld,
  metricValue,
  PHASE2_CLASSES,
  PHASE2_TOPIC,
  PHASE3_CLASSES,
  PHASE3_TABLES,
  PHASE3_TOPIC,
  uniquePastDate,
  waitFor,
  type E2eService,
  type E2eWorld,
} from './e2e-kit';

const PHASE3_TRIGGER = 'nba-phase3-trigger';
const PHASE4_TRIGGER = 'nba-phase4-trigger';

describe('end to end: bridge and worker processes on the local stack', function () {
  this.timeout(120_000);
  let world: E2eWorld;
  let worker: E2eService;
  let bridge: E2eService;
  let firestore: Firestore;
  let bigquery: BigQuery;

  before(async function () {
    this.timeout(180_000);
    world = await createWorld();
    [worker, bridge] = await Promise.all([world.startWorker(), world.startBridge()]);
    firestore = new Firestore({ projectId: world.endpoints.projectId });
    bigquery = new BigQuery({ projectId: world.endpoints.projectId, apiEndpoint: world.endpoints.bigqueryApiEndpoint });
  });

  after(async function () {
    this.timeout(60_000);
    await world?.close();
    await firestore?.terminate();
  });

  async function publishPhase2(gameDate: string, classes = PHASE2_CLASSES): Promise<Record<string, unknown>[]> {
    const bodies = classes.map((name) => completionBody('phase_2_raw', name, gameDate));
    for (const body of bodies) await world.publish(PHASE2_TOPIC, body);
    return bodies;
  }

  it('turns a day of completions into exactly one trigger per transition, with the exact payloads, Firestore documents and BigQuery rows', async () => {
    const gameDate = uniquePastDate();
    const bodies = await publishPhase2(gameDate);
    // The same completion again under a new message id, and once more later: recognised, never a second trigger.
    await world.publish(PHASE2_TOPIC, bodies[4]!);
    const phase3 = await waitFor('the Phase 3 trigger', () => world.reader(PHASE3_TRIGGER).forDate(gameDate)[0]);
    const { timestamp, trigger_id: triggerId, ...rest } = phase3.data;
    assert.deepEqual(rest, {
      game_date: gameDate,
      correlation_id: `corr-${gameDate}`,
      trigger_source: 'orchestrator',
      triggered_by: 'phase2_to_phase3_orchestrator',
      upstream_processors_count: 5,
    });
    assert.ok(!Number.isNaN(Date.parse(String(timestamp))), 'timestamp is ISO-8601');
    assert.equal(phase3.attributes.trigger_id, triggerId);

    // Critical upcoming_player_game_context last: with both critical ones and 3 of 5 the overnight rule would already fire.
    const phase3Body = (name: string) => completionBody('phase_3_analytics', name, gameDate, { output_dataset: 'nba_analytics' });
    for (const name of PHASE3_CLASSES.filter((n) => n !== 'UpcomingPlayerGameContextProcessor')) await world.publish(PHASE3_TOPIC, phase3Body(name));
    await waitFor('four Phase 3 completions applied', async () => (await firestore.collection('phase3_completion').doc(gameDate).get()).data()?._completed_count === 4);
    await world.publish(PHASE3_TOPIC, phase3Body('UpcomingPlayerGameContextProcessor'));
    await world.publish(PHASE2_TOPIC, bodies[0]!);
    const phase4 = await waitFor('five Phase 4 triggers', () => {
      const messages = world.reader(PHASE4_TRIGGER).forDate(gameDate);
      return messages.length >= 5 && messages;
    });
    assert.deepEqual(phase4.map((m) => m.data.source_table).sort(), [...PHASE3_TABLES].sort());
    for (const message of phase4) {
      assert.equal(message.data.analysis_date, gameDate);
      assert.equal(message.data.success, true);
      assert.equal(message.data.mode, 'overnight');
      assert.equal(message.data.trigger_reason, 'all_complete');
      assert.equal(message.data.triggered_by, 'phase3_to_phase4_orchestrator');
      assert.equal(message.data.parent_processor, 'Phase3Orchestrator');
      assert.equal(message.data.correlation_id, `corr-${gameDate}`);
      assert.match(String(message.data.parent_execution_id), /^exec-/);
    }

    // Firestore: the Phase 2 document says triggered, with all five processors.
    const doc = await waitFor('the phase2_completion document', async () => {
      const snapshot = await firestore.collection('phase2_completion').doc(gameDate).get();
      const data = snapshot.data();
      return data?._triggered === true && data;
    });
    assert.equal(doc._completed_count, 5);
    assert.equal(doc._trigger_reason, 'all_complete');
    for (const key of ['p2_bigdataball_pbp', 'p2_odds_game_lines', 'p2_odds_player_props', 'p2_nbacom_gamebook_pdf', 'p2_nbacom_boxscores']) {
      assert.equal((doc[key] as { status: string }).status, 'success', key);
    }

    // BigQuery: exactly one execution-log row per transition outcome.
    let lastRows: unknown;
    const rows = await waitFor('two phase_execution_log rows', async () => {
      const [result] = await bigquery.query({
        query: `SELECT phase_name, status, correlation_id FROM \`${world.endpoints.bigqueryDataset}.phase_execution_log_unique\` WHERE game_date = CAST(@d AS DATE)`,
        params: { d: gameDate },
      });
      lastRows = result;
      return (result as { phase_name: string }[]).length >= 2 && (result as { phase_name: string; status: string; correlation_id: string }[]);
    }, 45_000).catch((error: Error) => {
      throw new Error(`${error.message}; last rows: ${JSON.stringify(lastRows)}`);
    });
    assert.deepEqual(rows.map((r) => `${r.phase_name}:${r.status}`).sort(), ['phase2_to_phase3:complete', 'phase3_to_phase4:complete']);

    await sleep(2_000);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(gameDate).length, 1, 'the duplicates never triggered Phase 3 again');
    assert.equal(world.reader(PHASE4_TRIGGER).forDate(gameDate).length, 5, 'exactly five Phase 4 messages');
    const metrics = await bridge.metrics();
    assert.ok(metricValue(metrics, 'bridge_messages_acknowledged_total', { outcome: 'signalled' }) >= 12);
    // The messages of a date that arrive while its signal is in flight go together in one signal.
    const carried = metricValue(metrics, 'bridge_signal_batch_size_sum');
    const signals = metricValue(metrics, 'bridge_signal_latency_seconds_count', { outcome: 'accepted' });
    assert.ok(carried >= 12, `signals carried ${carried} messages`);
    assert.ok(signals >= 1 && signals <= carried, `${signals} signals for ${carried} messages`);
  });

  it('moves a malformed message to <topic>-dlq with its body and reason, alerts, and acknowledges it', async () => {
    const gameDate = uniquePastDate();
    const cases = [
      { body: '{"processor_name": "NbacGamebookProcessor", "game_date"', reason: /not JSON/ },
      { body: JSON.stringify({ ...completionBody('phase_2_raw', 'NbacGamebookProcessor', gameDate), status: 'done' }), reason: /schema violation: status/ },
      { body: JSON.stringify(completionBody('phase_2_raw', 'NbacGamebookProcessor', 'TODAY')), reason: /game_date "TODAY"/ },
    ];
    const ids: string[] = [];
    for (const c of cases) ids.push(await world.publish(PHASE2_TOPIC, c.body));
    const dlq = world.reader(`${PHASE2_TOPIC}-dlq`);
    await waitFor('three dead letters', () => ids.every((id) => dlq.messages.some((m) => m.attributes.source_message_id === id)));
    cases.forEach((c, i) => {
      const letter = dlq.messages.find((m) => m.attributes.source_message_id === ids[i])!;
      assert.equal(letter.raw, c.body, 'the body is kept byte for byte');
      assert.equal(letter.attributes.source_topic, PHASE2_TOPIC);
      assert.match(letter.attributes.dlq_reason!, c.reason);
    });
    await waitFor('an alert per dead letter', () => ids.every((id) => world.sink.alerts.some((a) => a.dedup_key === `bridge:dead-letter:${PHASE2_TOPIC}:${id}`)));
    const alert = world.sink.alerts.find((a) => a.dedup_key.endsWith(ids[1]!))!;
    assert.equal(alert.severity, 'error');
    assert.equal(alert.game_date, gameDate);
    const metrics = await bridge.metrics();
    assert.equal(metricValue(metrics, 'bridge_messages_dead_lettered_total'), 3);
    assert.equal(metricValue(metrics, 'bridge_messages_acknowledged_total', { outcome: 'dead_lettered' }), 3);
  });

  it("alerts a completion that Pub/Sub's dead-letter policy moved to <topic>-dlq, and stays quiet about its own dead letters", async () => {
    const gameDate = uniquePastDate();
    const dlq = `${PHASE2_TOPIC}-dlq`;
    // What Pub/Sub publishes when a subscription's dead-letter policy gives up on a message.
    const forwarded = await world.pubsub.topic(dlq).publishMessage({
      data: Buffer.from(JSON.stringify(completionBody('phase_2_raw', 'NbacGamebookProcessor', gameDate))),
      attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '20', CloudPubSubDeadLetterSourceSubscription: `${PHASE2_TOPIC}-orchestrator` },
    });
    const own = await world.pubsub.topic(dlq).publishMessage({ data: Buffer.from('{'), attributes: { dlq_reason: 'not JSON', source_topic: PHASE2_TOPIC, source_message_id: 'm-1' } });
    const alert = await waitFor('the forwarded dead letter alerted', () => world.sink.alerts.find((a) => a.dedup_key === `bridge:dead-lettered-by-pubsub:${dlq}:${forwarded}`));
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.game_date, gameDate);
    assert.match(alert.text, /delivered 20 times on nba-phase2-raw-complete-orchestrator/);
    await sleep(2_000);
    assert.ok(!world.sink.alerts.some((a) => a.dedup_key.endsWith(own)), "the bridge's own dead letter was alerted when it moved it, not again");
  });

  it("runs its workflow threads without the SDK's per-promise stack capture, and says so at start", async () => {
    const gameDate = uniquePastDate();
    await publishPhase2(gameDate, PHASE2_CLASSES.slice(0, 1));
    const connection = await Connection.connect({ address: world.endpoints.temporalAddress });
    try {
      const handle = new Client({ connection }).workflow.getHandle(gameDateWorkflowId('nba', gameDate));
      await waitFor('the date applying its first completion', async () => (await handle.query(statusQuery).catch(() => null)) !== null);
      await assert.rejects(handle.query('__stack_trace'), /stack traces are not enabled on this worker/);
    } finally {
      await connection.close();
    }
    assert.ok(worker.process.output.some((line) => line.includes('"workflow_stack_traces":"off"')), 'the start-up line says the stack capture is off');
  });

  it('loses and doubles nothing when the worker is SIGKILLed in the middle of a transition', async () => {
    const gameDate = uniquePastDate();
    await publishPhase2(gameDate, PHASE2_CLASSES.slice(0, 4));
    const firestoreDoc = firestore.collection('phase2_completion').doc(gameDate);
    await waitFor('four completions applied', async () => (await firestoreDoc.get()).data()?._completed_count === 4);
    await worker.process.kill();
    await publishPhase2(gameDate, PHASE2_CLASSES.slice(4));
    // The bridge still hands the signal to Temporal, which keeps it until a worker runs again.
    await waitFor('the last completion acknowledged by the bridge', async () => metricValue(await bridge.metrics(), 'bridge_messages_acknowledged_total', { topic: PHASE2_TOPIC, outcome: 'signalled' }) >= 1);
    await sleep(1_000);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(gameDate).length, 0, 'no worker, no trigger yet');
    worker = await world.startWorker();
    await waitFor('the Phase 3 trigger after the restart', () => world.reader(PHASE3_TRIGGER).forDate(gameDate).length >= 1, 60_000);
    // A write the killed worker had started is retried once its heartbeat timeout (20 s) passes.
    await waitFor('all five completions in Firestore', async () => (await firestoreDoc.get()).data()?._completed_count === 5, 60_000);
    await sleep(2_000);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(gameDate).length, 1);
  });

  it('loses and doubles nothing when the bridge is SIGKILLed during a burst', async () => {
    const dates = Array.from({ length: 6 }, () => uniquePastDate());
    const publishing = Promise.all(dates.map((d) => publishPhase2(d)));
    await waitFor('the bridge to be in the middle of the burst', async () => metricValue(await bridge.metrics(), 'bridge_messages_received_total') > 0 && true, 20_000);
    await bridge.process.kill();
    await publishing;
    const killedAt = Date.now();
    bridge = await world.startBridge();
    const restartedAt = Date.now();
    await waitFor(
      'a Phase 3 trigger for every date',
      () => dates.every((d) => world.reader(PHASE3_TRIGGER).forDate(d).length >= 1),
      90_000,
    ).catch(async (error: Error) => {
      // Lost or only late? Per date: how many completions reached the workflow's Firestore document; and what
      // the new bridge received and acknowledged since its start.
      const counts = await Promise.all(dates.map(async (d) => `${d}: ${(await firestore.collection('phase2_completion').doc(d).get()).data()?._completed_count ?? 0} of 5 applied`));
      const metrics = await bridge.metrics();
      const figures = ['bridge_messages_received_total', 'bridge_messages_redelivered_total', 'bridge_signal_retries_total'].map((m) => `${m}=${metricValue(metrics, m)}`);
      throw new Error(`${error.message}; bridge restarted ${Math.round((restartedAt - killedAt) / 1000)} s after the kill; ${counts.join(', ')}; ${figures.join(', ')}`);
    });
    await sleep(2_000);
    for (const d of dates) {
      assert.equal(world.reader(PHASE3_TRIGGER).forDate(d).length, 1, `exactly one trigger for ${d}`);
      await waitFor(`all five completions of ${d} in Firestore`, async () => (await firestore.collection('phase2_completion').doc(d).get()).data()?._completed_count === 5);
    }
  });
});
