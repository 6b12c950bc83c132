import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createServiceLogger, temporalLogger } from '../../service/logger';

/** A destination that keeps every line pino writes, parsed. */
function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('service logger', () => {
  it('writes one JSON object per line with service, level name and ISO time, and the fields given', () => {
    const { lines, stream } = capture();
    const log = createServiceLogger('bridge', undefined, stream);
    log.warn({ game_date: '2026-01-15', transition: 'phase2_to_phase3', correlation_id: 'c-1' }, 'message nacked');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.service, 'bridge');
    assert.equal(line?.level, 'warn');
    assert.equal(line?.msg, 'message nacked');
    assert.match(String(line?.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual([line?.game_date, line?.transition, line?.correlation_id], ['2026-01-15', 'phase2_to_phase3', 'c-1']);
  });

  it("keeps the service's own info lines under a quiet LOG_LEVEL, which filters the SDK's lines only", () => {
    const { lines, stream } = capture();
    const log = createServiceLogger('worker', 'WARN', stream);
    const sdk = temporalLogger(log, 'WARN');
    log.info('ready: task queues …');
    sdk.info('Worker state changed', { sdkComponent: 'worker' });
    sdk.warn('No workflows registered', { sdkComponent: 'worker', taskQueue: 'q' });
    assert.deepEqual(lines.map((l) => [l.msg, l.component ?? null]), [['ready: task queues …', null], ['No workflows registered', 'temporal']]);
    assert.equal(lines[1]?.taskQueue, 'q');
  });

  it('DEBUG opens both the service and the SDK lines at debug', () => {
    const { lines, stream } = capture();
    const log = createServiceLogger('bridge', 'DEBUG', stream);
    log.debug({ message_id: 'm1' }, 'signalled');
    temporalLogger(log, 'DEBUG').debug('poll', {});
    assert.deepEqual(lines.map((l) => l.msg), ['signalled', 'poll']);
  });
});
