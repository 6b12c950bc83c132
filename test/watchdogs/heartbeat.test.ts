/** The external heartbeat vouches for the alert path (a loopback HTTP server stands in for the monitor). */
import assert from 'node:assert/strict';
import type { Alert } from '../../activities/activity-contracts';
import { createAlertPathStatus, type AlertPathStatus } from '../../activities/alert-channels';
import { createHealthProbes } from '../../watchdogs/health-probe-activities';
import { loadWatchdogConfig } from '../../watchdogs/watchdog-config';
import { startHttpReceiver, type HttpReceiver } from '../activities/http-receiver';

describe('watchdogs: external heartbeat and the alert path', () => {
  let monitor: HttpReceiver;
  let status: AlertPathStatus;
  let checks: Alert[];
  let alertsWork: boolean;

  beforeEach(async () => {
    monitor = await startHttpReceiver();
    status = createAlertPathStatus();
    checks = [];
    alertsWork = true;
  });
  afterEach(() => monitor.close());

  function heartbeat(env: NodeJS.ProcessEnv = { WATCHDOG_HEARTBEAT_URL: `${monitor.url}/ping/abc` }) {
    const sendAlert = async (alert: Alert): Promise<void> => {
      checks.push(alert);
      if (!alertsWork) throw new Error('every alert channel failed');
      status.lastOutcome = 'delivered';
    };
    return createHealthProbes({ endpoints: [], env, alertPath: { status, sendAlert } }).pingHeartbeat;
  }

  it('pings while alerts are delivered, without sending anything', async () => {
    assert.deepEqual(await heartbeat()(), { pinged: true, httpStatus: 200 });
    assert.deepEqual(monitor.requests.map((r) => r.path), ['/ping/abc']);
    assert.equal(checks.length, 0);
  });

  it('withholds the ping while the alert path is down, and pings the fail URL when one is set', async () => {
    status.lastOutcome = 'failed';
    status.lastError = 'webhook: HTTP 503';
    alertsWork = false;
    const withheld = await heartbeat()();
    assert.deepEqual(withheld, { pinged: false, httpStatus: null, withheld: 'alerts cannot be delivered (webhook: HTTP 503)' });
    assert.equal(monitor.requests.length, 0, 'the monitor hears nothing, so it reports the system down');
    assert.equal(checks.length, 1, 'a check alert was tried first');

    const signalled = await heartbeat({ WATCHDOG_HEARTBEAT_URL: `${monitor.url}/ping/abc`, WATCHDOG_HEARTBEAT_FAIL_URL: `${monitor.url}/ping/abc/fail` })();
    assert.equal(signalled.pinged, false);
    assert.deepEqual(monitor.requests.map((r) => r.path), ['/ping/abc/fail']);
  });

  it('pings again once a check alert gets through', async () => {
    status.lastOutcome = 'failed';
    const result = await heartbeat()();
    assert.deepEqual(result, { pinged: true, httpStatus: 200 });
    assert.deepEqual(checks.map((a) => a.title), ['Alerts are delivered again']);
    assert.deepEqual(monitor.requests.map((r) => r.path), ['/ping/abc']);
  });

  it('a heartbeat URL that is not an http(s) URL fails the start, naming the variable but not its secret value', () => {
    assert.throws(
      () => loadWatchdogConfig({ WATCHDOG_HEARTBEAT_FAIL_URL: 'hc-ping.com/secret-uuid/fail' }),
      (error) => error instanceof Error && error.message.includes('WATCHDOG_HEARTBEAT_FAIL_URL is invalid') && !error.message.includes('secret-uuid'),
    );
  });
});
