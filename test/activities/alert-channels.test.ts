import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Alert } from '../../activities/activity-contracts';
import { RetryableActivityErrors } from '../../activities/activity-error-types';
import {
  AlertConfigError,
  alertPathHealth,
  createAlertPathStatus,
  createAlertSender,
  loadAlertConfig,
} from '../../activities/alert-channels';
import { closedPort, startHttpReceiver, type HttpReceiver } from './http-receiver';
import { runActivity } from './activity-test-env';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    severity: 'critical',
    title: 'Phase 4 blocked',
    text: 'Circuit breaker: 2 of 5 processors, player_daily_cache missing',
    gameDate: '2025-01-15',
    transition: 'phase4_to_phase5',
    dedupKey: '2025-01-15/phase4_to_phase5/blocked',
    correlationId: 'corr-9',
    timestamp: '2025-01-15T12:00:00.000Z',
    ...overrides,
  };
}

const fast = { retryDelaysMs: [10, 10], attemptTimeoutMs: 2_000 };

describe('activities: sendAlert', function () {
  let critical: HttpReceiver;
  let fallback: HttpReceiver;
  let webhook: HttpReceiver;

  beforeEach(async function () {
    [critical, fallback, webhook] = await Promise.all([startHttpReceiver(), startHttpReceiver(), startHttpReceiver()]);
  });
  afterEach(async function () {
    await Promise.all([critical.close(), fallback.close(), webhook.close()]);
  });

  function env(): NodeJS.ProcessEnv {
    return { SLACK_WEBHOOK_URL_CRITICAL: critical.url, SLACK_WEBHOOK_URL: fallback.url, ALERT_WEBHOOK_URL: webhook.url };
  }

  it('routes Slack by severity with fallback to SLACK_WEBHOOK_URL; the webhook gets every alert', async function () {
    const send = createAlertSender(loadAlertConfig(env()), fast);
    const c = await runActivity(send, alert());
    const w = await runActivity(send, alert({ severity: 'warning', dedupKey: 'w' }));
    assert.deepEqual(c.delivered.sort(), ['slack:critical', 'webhook']);
    assert.deepEqual(w.delivered.sort(), ['slack:default', 'webhook']);
    assert.equal(critical.requests.length, 1);
    assert.equal(fallback.requests.length, 1);
    assert.equal(webhook.requests.length, 2);
    assert.deepEqual(JSON.parse(critical.requests[0]!.body), {
      text:
        '*[CRITICAL] Phase 4 blocked*\nCircuit breaker: 2 of 5 processors, player_daily_cache missing\n' +
        '_game_date: 2025-01-15 | transition: phase4_to_phase5 | correlation_id: corr-9 | dedup_key: 2025-01-15/phase4_to_phase5/blocked_',
    });
    assert.deepEqual(JSON.parse(webhook.requests[0]!.body), {
      severity: 'critical',
      title: 'Phase 4 blocked',
      text: 'Circuit breaker: 2 of 5 processors, player_daily_cache missing',
      game_date: '2025-01-15',
      transition: 'phase4_to_phase5',
      dedup_key: '2025-01-15/phase4_to_phase5/blocked',
      correlation_id: 'corr-9',
      timestamp: '2025-01-15T12:00:00.000Z',
      reported_by: null,
    });
    // A replica's name travels beside the key, never in it.
    await runActivity(send, alert({ severity: 'warning', dedupKey: 'r', reportedBy: 'bridge/pod-a' }));
    assert.equal((JSON.parse(webhook.requests[2]!.body) as { reported_by: string }).reported_by, 'bridge/pod-a');
    assert.match((JSON.parse(fallback.requests[1]!.body) as { text: string }).text, /dedup_key: r \| reported_by: bridge\/pod-a_$/);
  });

  it('retries a channel quickly after a 5xx and delivers', async function () {
    critical.replies.push({ status: 503 });
    const send = createAlertSender(loadAlertConfig({ SLACK_WEBHOOK_URL_CRITICAL: critical.url }), fast);
    const result = await runActivity(send, alert());
    assert.deepEqual(result, { delivered: ['slack:critical'], failed: [] });
    assert.equal(critical.requests.length, 2);
  });

  it('reports a failed channel by name while another delivered; a 404 is not retried', async function () {
    critical.fallback = { status: 404, body: 'no_service' };
    const status = createAlertPathStatus();
    const send = createAlertSender(loadAlertConfig(env()), { ...fast, status });
    const result = await runActivity(send, alert());
    assert.deepEqual(result.delivered, ['webhook']);
    assert.deepEqual(result.failed, [{ channel: 'slack:critical', error: 'HTTP 404' }]);
    assert.equal(critical.requests.length, 1);
    assert.equal(status.lastOutcome, 'partial');
    assert.equal(alertPathHealth(status).healthy, true);
  });

  it('failure 13: when every channel fails the activity throws (retryably) and health turns unhealthy; no URL in the error', async function () {
    const dead = await closedPort();
    critical.fallback = { status: 500 };
    const status = createAlertPathStatus();
    const send = createAlertSender(loadAlertConfig({ SLACK_WEBHOOK_URL_CRITICAL: critical.url, ALERT_WEBHOOK_URL: `http://127.0.0.1:${dead}/hook` }), {
      ...fast,
      status,
    });
    await assert.rejects(runActivity(send, alert()), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.type, RetryableActivityErrors.alertDeliveryFailed);
      assert.match(err.message, /slack:critical \(HTTP 500\)/);
      assert.match(err.message, /webhook \(ECONNREFUSED\)/);
      assert.ok(!err.message.includes('127.0.0.1') && !err.message.includes(String(dead)) && !err.message.includes(String(critical.port)), err.message);
      return true;
    });
    assert.equal(critical.requests.length, 3, 'a couple of quick retries per channel');
    assert.equal(status.lastOutcome, 'failed');
    const health = alertPathHealth(status);
    assert.equal(health.healthy, false);
    assert.ok(health.error && !health.error.includes('127.0.0.1'));
  });

  it('failure 13: a service with no alert channel configured fails at start', function () {
    assert.throws(() => loadAlertConfig({}), (err) => err instanceof AlertConfigError && /No alert channel is configured/.test(err.message));
  });

  it('a configuration where critical alerts have nowhere to go fails at start', function () {
    assert.throws(() => loadAlertConfig({ SLACK_WEBHOOK_URL_INFO: 'https://hooks.example.test/info' }), /critical/);
  });

  it('a malformed channel URL fails at start without printing the value', function () {
    assert.throws(
      () => loadAlertConfig({ SLACK_WEBHOOK_URL: 'hooks.example.test/secret-token' }),
      (err) => err instanceof AlertConfigError && err.message.includes('SLACK_WEBHOOK_URL') && !err.message.includes('secret-token'),
    );
  });

  it('ALERTS_TO_CONSOLE=1 is an explicit local channel that prints every alert', async function () {
    const config = loadAlertConfig({ ALERTS_TO_CONSOLE: '1' });
    assert.deepEqual(config.channels.map((c) => c.name), ['console']);
    const lines: string[] = [];
    const send = createAlertSender(config, { print: (line) => lines.push(line) });
    const result = await runActivity(send, alert({ severity: 'info', title: 'Phase 3 triggered' }));
    assert.deepEqual(result, { delivered: ['console'], failed: [] });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\[ALERT INFO\] Phase 3 triggered/);
  });
});
