/** `operator alert test` and `health` as subprocesses, against real HTTP receivers and health servers. */
import assert from 'node:assert/strict';
import { createHealthChecker, serveHealth, type HealthServer } from '../../service/health-server';
import type { HealthRow } from '../../operator-cli/health-report';
import type { ChannelResult } from '../../operator-cli/commands/alert-command';
import { runCli } from '../cli-process';
import { closedPort, startHttpReceiver, type HttpReceiver } from '../activities/http-receiver';

const operator = (args: string[], env: NodeJS.ProcessEnv) => runCli('operator-cli/main.ts', args, { env });

/** The environment without any alert channel, plus `channels`. */
function alertEnv(channels: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_WEBHOOK_URL|ALERT_WEBHOOK_URL|ALERTS_TO_CONSOLE)/.test(k)));
  return { ...env, ...channels };
}

describe('operator alert test and health (subprocesses)', function () {
  this.timeout(60_000);
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('alert test: one alert per channel, each reported; a failing channel fails the run; none configured says so', async () => {
    const ok = await startHttpReceiver();
    const failing: HttpReceiver = await startHttpReceiver({ status: 500, body: 'boom' });
    closers.push(() => ok.close(), () => failing.close());
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
    for (const s of servers) closers.push(() => s.close());
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
  it('drift is an operator command with the drift check\'s options; bad ranges get one line and a non-zero exit', async () => {
    const help = await operator(['drift', '--help'], process.env);
    assert.equal(help.code, 0, help.stderr);
    for (const option of ['--expected', '--max-age', '--health', '--definition', '--json']) assert.ok(help.stdout.includes(option), option);
    assert.match(help.stdout, /Example:\n {2}\$ npm run operator -- drift/);
    for (const args of [['backfill', '--from', '2026-01-05', '--to', '2026-13-01'], ['backfill', '--from', '2026-01-05', '--to', '2026-01-01'], ['health', '--url', 'nourl']]) {
      const result = await operator(args, process.env);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});
