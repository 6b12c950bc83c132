import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import {
  alertPathProbe,
  bigQueryProbe,
  createHealthChecker,
  firestoreProbe,
  pubsubProbe,
  serveHealth,
  temporalProbe,
  type HealthBody,
} from '../../service/health-server';
import { createAlertPathStatus } from '../../activities/alert-channels';
import { closedPort } from '../activities/http-receiver';
import { testBigQuery, testDataset, testFirestore, testPubSub } from '../activities/activity-test-env';
import { testStack } from '../harness';

describe('activities: health checker', function () {
  it('answers 200 with the §7 shape when every probe passes, and caches for 30 s', async function () {
    let clock = 1_000_000;
    let calls = 0;
    const checker = createHealthChecker({
      service: 'phase-orchestrator-worker',
      version: 'abc1234',
      now: () => clock,
      probes: {
        temporal: () => {
          calls++;
          return Promise.resolve();
        },
      },
    });
    clock += 5_000;
    const first = await checker.check();
    assert.equal(first.httpStatus, 200);
    assert.deepEqual(Object.keys(first.body).sort(), [
      'cache_age_seconds',
      'cached',
      'dependencies',
      'service',
      'status',
      'timestamp',
      'uptime_seconds',
      'version',
    ]);
    assert.equal(first.body.status, 'healthy');
    assert.equal(first.body.version, 'abc1234');
    assert.equal(first.body.uptime_seconds, 5);
    assert.equal(first.body.cached, false);
    assert.deepEqual(first.body.dependencies.temporal, { healthy: true, latency_ms: 0, error: null });

    clock += 29_000;
    const second = await checker.check();
    assert.equal(second.body.cached, true);
    assert.equal(second.body.cache_age_seconds, 29);
    assert.equal(calls, 1);

    clock += 1_000;
    assert.equal((await checker.check()).body.cached, false);
    assert.equal(calls, 2);
  });

  it('answers 503 "degraded" naming the failing dependency; a hanging probe times out', async function () {
    const checker = createHealthChecker({
      service: 's',
      version: 'v',
      probeTimeoutMs: 100,
      probes: {
        firestore: () => Promise.reject(new Error('14 UNAVAILABLE: no connection')),
        bigquery: () => new Promise<void>(() => undefined),
        pubsub: () => Promise.resolve(),
      },
    });
    const report = await checker.check();
    assert.equal(report.httpStatus, 503);
    assert.equal(report.body.status, 'degraded');
    assert.equal(report.body.dependencies.firestore?.error, '14 UNAVAILABLE: no connection');
    assert.match(report.body.dependencies.bigquery?.error ?? '', /no answer within 100 ms/);
    assert.equal(report.body.dependencies.pubsub?.healthy, true);
  });

  it('the alert path is unhealthy after an alert reached no channel', async function () {
    const status = createAlertPathStatus();
    const checker = createHealthChecker({ service: 's', version: 'v', cacheTtlMs: 0, probes: { alert_path: alertPathProbe(status) } });
    assert.equal((await checker.check()).httpStatus, 200);
    Object.assign(status, { lastOutcome: 'failed', lastError: 'webhook (HTTP 500)' });
    const report = await checker.check();
    assert.equal(report.httpStatus, 503);
    assert.equal(report.body.dependencies.alert_path?.error, 'webhook (HTTP 500)');
  });

  it('real probes pass against the emulators and fail for a dead endpoint', async function () {
    const firestore = testFirestore();
    const pubsub = testPubSub();
    const bigquery = testBigQuery();
    const deadPort = await closedPort();
    const deadBigQuery = testBigQuery(`http://127.0.0.1:${deadPort}`);
    const probes = {
      firestore: firestoreProbe(firestore),
      pubsub: pubsubProbe(pubsub),
      bigquery: bigQueryProbe(bigquery, testDataset()),
      bigquery_dead: bigQueryProbe(deadBigQuery, testDataset()),
    };
    try {
      const report = await createHealthChecker({ service: 's', version: 'v', probeTimeoutMs: 2_000, probes }).check();
      assert.equal(report.body.dependencies.firestore?.healthy, true, report.body.dependencies.firestore?.error ?? '');
      assert.equal(report.body.dependencies.pubsub?.healthy, true, report.body.dependencies.pubsub?.error ?? '');
      assert.equal(report.body.dependencies.bigquery?.healthy, true, report.body.dependencies.bigquery?.error ?? '');
      assert.equal(report.body.dependencies.bigquery_dead?.healthy, false);
      assert.equal(report.httpStatus, 503);
    } finally {
      await Promise.all([firestore.terminate(), pubsub.close()]);
    }
  });

  it('the temporal probe asks the server for its system info', async function () {
    const address = testStack().temporalAddress;
    const connection = await Connection.connect({ address });
    try {
      const report = await createHealthChecker({ service: 's', version: 'v', probes: { temporal: temporalProbe(connection) } }).check();
      assert.equal(report.body.dependencies.temporal?.healthy, true, report.body.dependencies.temporal?.error ?? '');
    } finally {
      await connection.close();
    }
  });

  it('serveHealth serves /health on loopback with the checker status code, plus extra routes', async function () {
    let healthy = true;
    const checker = createHealthChecker({
      service: 'bridge',
      version: 'v1',
      cacheTtlMs: 0,
      probes: { pubsub: () => (healthy ? Promise.resolve() : Promise.reject(new Error('down'))) },
    });
    const server = await serveHealth(0, checker, { '/metrics': (_req, res) => void res.end('# metrics') });
    try {
      const ok = await fetch(`http://127.0.0.1:${server.port}/health`);
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as HealthBody).service, 'bridge');
      healthy = false;
      const bad = await fetch(`http://127.0.0.1:${server.port}/health`);
      assert.equal(bad.status, 503);
      assert.equal(((await bad.json()) as HealthBody).dependencies.pubsub?.error, 'down');
      assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text(), '# metrics');
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
