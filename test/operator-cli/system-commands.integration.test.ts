/**
 * `operator alert test`, `health` and `reconcile` as subprocesses: real HTTP receivers and health servers, and
 * the reconciliation watchdog's own workflow on a real worker against the emulators.
 */
import assert from 'node:assert/strict';
import { createHealthChecker, serveHealth, type HealthServer } from '../../service/health-server';
import type { HealthRow } from '../../operator-cli/health-report';
import type { ChannelResult } from '../../operator-cli/commands/alert-command';
import type { ReconcileResult } from '../../workflows/watchdogs/watchdog-contracts';
import { runCli } from '../cli-process';
import { devServerEnv } from '../harness';
import { closedPort, startHttpReceiver, type HttpReceiver } from '../activities/http-receiver';
import { startWatchdogRig, type WatchdogRig } from '../watchdogs/watchdog-test-kit';
import { cliEnv, pastDates, pipelineFile } from './cli-pipeline';

const operator = (args: string[], env: NodeJS.ProcessEnv) => runCli('operator-cli/main.ts', args, { env });

/** The environment without any alert channel, plus `channels`. */
function alertEnv(channels: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_WEBHOOK_URL|ALERT_WEBHOOK_URL|ALERTS_TO_CONSOLE)/.test(k)));
  return { ...env, ...channels };
}

describe('operator alert test, health, reconcile (subprocesses)', function () {
  this.timeout(90_000);
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('alert test: one alert per channel, each reported; a failing channel fails the run; none configured says so', async () => {
    const ok = await startHttpReceiver();
    const failing: HttpReceiver = await startHttpReceiver({ status: 500, body: 'boom' });
    closers.push(ok.close, failing.close);
    const result = await operator(['alert', 'test', '--json', '--operator', 'oncall'], alertEnv({ ALERT_WEBHOOK_URL: ok.url, SLACK_WEBHOOK_URL: failing.url }));
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { ok: boolean; channels: ChannelResult[] };
    assert.deepEqual(report.channels.map((c) => [c.channel, c.ok, c.error]).sort(), [['slack:default', false, 'HTTP 500'], ['webhook', true, null]]);
    assert.equal(ok.requests.length, 1);
    const sent = JSON.parse(ok.requests[0]!.body) as { title: string; text: string; severity: string };
    assert.match(sent.title, /^Test alert from the operator CLI/);
    assert.match(sent.text, /oncall sent this test alert/);
    assert.equal(sent.severity, 'info');
    assert.equal(failing.requests.length, 1, 'one attempt per channel, no retries');

    const table = await operator(['alert', 'test'], alertEnv({ ALERT_WEBHOOK_URL: ok.url }));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /webhook\s+│ info\s+│ ok/);

    const none = await operator(['alert', 'test'], alertEnv({}));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^operator: No alert channel is configured\. Set SLACK_WEBHOOK_URL/);
    assert.equal(none.stderr.trim().split('\n').length, 1);
  });

  it('health: every process in one table; a degraded one names its dependency, a down one fails the run', async () => {
    const servers: HealthServer[] = [
      await serveHealth(0, createHealthChecker({ service: 'worker', version: '0123456789abcdef', probes: { temporal: () => Promise.resolve() } })),
      await serveHealth(0, createHealthChecker({ service: 'bridge', version: 'fedcba9876543210', probes: { bigquery: () => Promise.reject(new Error('emulator gone')) } })),
    ];
    for (const s of servers) closers.push(s.close);
    const down = await closedPort();
    const urls = ['--url', `worker=http://127.0.0.1:${servers[0]!.port}/health`, '--url', `bridge=http://127.0.0.1:${servers[1]!.port}/health`];
    const result = await operator(['health', ...urls, '--url', `other=http://127.0.0.1:${down}/health`, '--json'], process.env);
    assert.equal(result.code, 1, result.stderr);
    const rows = JSON.parse(result.stdout) as HealthRow[];
    assert.deepEqual(rows.map((r) => [r.name, r.status, r.httpStatus, r.build]), [['worker', 'healthy', 200, '0123456789abcdef'], ['bridge', 'degraded', 503, 'fedcba9876543210'], ['other', 'down', null, null]]);
    assert.match(rows[1]!.details, /bigquery: emulator gone/);
    assert.equal(rows[2]!.details, 'ECONNREFUSED');
    assert.ok((rows[0]!.uptimeSeconds ?? -1) >= 0);

    // Defaults come from WATCHDOG_HEALTH_URLS, like the health watchdog's.
    const healthy = await operator(['health'], { ...process.env, WATCHDOG_HEALTH_URLS: `worker=http://127.0.0.1:${servers[0]!.port}/health` });
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /worker\s+│ healthy\s+│ 200\s+│ 0123456789ab/);
  });

  it('reconcile: a dry run on a range lists its calendar gaps only, writes and alerts nothing; a real run records and alerts them', async () => {
    const temporal = await devServerEnv();
    const dates = pastDates(5);
    const probe = await startWatchdogRig(temporal);
    const file = pipelineFile(probe.definition, dates);
    await probe.stop();
    // The worker's reconciler reads the same calendar the CLI's definition names.
    const rig: WatchdogRig = await startWatchdogRig(temporal, { planning: file.planning }, probe.definition.pipeline);
    closers.push(rig.stop);
    const env = cliEnv(file.path, rig.taskQueue);
    const [, from, middle, to] = dates as [string, string, string, string, string];

    const dry = await operator(['reconcile', '--from', from, '--to', to, '--dry-run', '--json'], env);
    assert.equal(dry.code, 1, `gaps found: exit 1. ${dry.stderr}`);
    const result = JSON.parse(dry.stdout) as ReconcileResult;
    assert.equal(result.dryRun, true);
    assert.deepEqual(result.details.map((d) => [d.gameDate, d.kind, d.repaired]), [from, middle, to].map((d) => [d, 'calendar_date_unrecorded', false]));
    const table = await operator(['reconcile', '--from', from, '--to', from, '--dry-run'], env);
    assert.match(table.stdout, new RegExp(`${from}\\s+│ -\\s+│ calendar_date_unrecorded\\s+│ no`));
    assert.match(table.stdout, /Dry run: nothing was written or alerted\./);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(rig.received().map((a) => a.title), [], 'a dry run alerts nothing');

    const real = await operator(['reconcile', '--from', from, '--to', from, '--json'], env);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual((JSON.parse(real.stdout) as ReconcileResult).details.map((d) => [d.gameDate, d.repaired]), [[from, true]]);
    const alert = await rig.waitForAlert((a) => a.game_date === from, `the gap ${from}`);
    assert.equal(alert.dedup_key, `${rig.definition.pipeline}:${from}:reconcile:calendar_date_unrecorded`);
    const again = await operator(['reconcile', '--from', from, '--to', from, '--dry-run', '--json'], env);
    assert.deepEqual((JSON.parse(again.stdout) as ReconcileResult).details, [], 'recorded once: the next run finds its log row');
  });
});
