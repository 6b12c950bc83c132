/** `operator health` rows from /health answers: healthy, degraded with the failing dependency, down. */
import assert from 'node:assert/strict';
import { formatUptime, healthRow } from '../../operator-cli/health-report';
import { namedUrlArgument } from '../../operator-cli/health-endpoints';

describe('health report rows', () => {
  const endpoint = { name: 'worker', url: 'http://127.0.0.1:1/health' };
  const body = (status: string, dependencies: Record<string, { healthy: boolean; error: string | null }>) =>
    JSON.stringify({ status, service: 'worker', version: 'abc123def4567890', uptime_seconds: 3_725, dependencies });

  it('reads status, build and uptime from the body', () => {
    const row = healthRow(endpoint, 200, body('healthy', { temporal: { healthy: true, error: null } }));
    assert.deepEqual([row.status, row.build, row.uptimeSeconds, row.details], ['healthy', 'abc123def4567890', 3_725, '1 dependencies ok']);
    assert.equal(formatUptime(row.uptimeSeconds), '1h 2m');
  });

  it('names the failing dependency of a degraded process, and says why one is down', () => {
    const degraded = healthRow(endpoint, 503, body('degraded', { bigquery: { healthy: false, error: 'ECONNREFUSED' }, temporal: { healthy: true, error: null } }));
    assert.deepEqual([degraded.status, degraded.details], ['degraded', 'bigquery: ECONNREFUSED']);
    assert.deepEqual([healthRow(endpoint, null, null, 'ECONNREFUSED').status, healthRow(endpoint, 502, '<html>').status], ['down', 'down']);
  });

  it('parses repeatable name=URL arguments and rejects anything else', () => {
    assert.deepEqual(namedUrlArgument('b=http://h:2/health?x=1', namedUrlArgument('a=http://h:1/health')), [
      { name: 'a', url: 'http://h:1/health' },
      { name: 'b', url: 'http://h:2/health?x=1' },
    ]);
    assert.throws(() => namedUrlArgument('http://h:1/health'), /is not name=/);
    assert.throws(() => namedUrlArgument('a=ftp://h/health'), /is not name=/);
  });
});
