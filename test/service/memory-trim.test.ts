import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createServiceLogger } from '../../service/logger';
import { memoryTrimShape, startMemoryTrim } from '../../service/memory-trim';
import { parseEnvironment } from '../../service/environment-schema';

describe('memory trim', () => {
  it('runs glibc malloc_trim on its timer and logs what the process held before and after', async function () {
    if (process.platform !== 'linux') this.skip();
    const lines = new PassThrough();
    const trim = startMemoryTrim(0.02, createServiceLogger('worker', 'DEBUG', lines));
    try {
      assert.equal(trim.description, 'every 0.02 s');
      const [chunk] = (await once(lines, 'data')) as [Buffer];
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      assert.equal(line.msg, 'malloc_trim');
      assert.ok(typeof line.rss_before_mb === 'number' && line.rss_before_mb > 0);
      assert.ok(typeof line.rss_after_mb === 'number' && line.rss_after_mb > 0);
    } finally {
      trim.stop();
    }
  });

  it('is off at 0 and rejects a negative interval with the variable named', () => {
    assert.equal(startMemoryTrim(0, createServiceLogger('bridge', 'INFO', new PassThrough())).description, 'off (SERVICE_MEMORY_TRIM_SECONDS=0)');
    assert.deepEqual(parseEnvironment(memoryTrimShape, {}), { SERVICE_MEMORY_TRIM_SECONDS: 10 });
    assert.throws(() => parseEnvironment(memoryTrimShape, { SERVICE_MEMORY_TRIM_SECONDS: '-1' }), /SERVICE_MEMORY_TRIM_SECONDS/);
  });
});
