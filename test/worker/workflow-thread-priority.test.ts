import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseServiceEnv } from '../../service/service-environment';
import { ServiceConfigError } from '../../service/startup';
import { workerEnvShape } from '../../worker/worker-config';
import { withWorkflowThreadNice } from '../../worker/workflow-thread-priority';
import { niceOfThread } from './thread-nice';

const base = { GOOGLE_CLOUD_PROJECT: 'nba-local' };

/** Starts a thread that runs the preload's step and answers with what it applied and its own nice value from /proc. */
function threadReport(): Promise<{ applied: number; nice: number }> {
  const code = `
    require('tsx/cjs');
    const { parentPort } = require('node:worker_threads');
    const { niceOfThread } = require(${JSON.stringify(require.resolve('./thread-nice'))});
    const { applyWorkflowThreadNice } = require(${JSON.stringify(require.resolve('../../worker/workflow-thread-priority'))});
    const applied = applyWorkflowThreadNice();
    const nice = process.platform === 'linux' ? niceOfThread('/proc/thread-self/stat') : 0;
    parentPort.postMessage({ applied, nice });`;
  const thread = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    thread.once('message', (report: { applied: number; nice: number }) => void thread.terminate().then(() => resolve(report)));
    thread.once('error', reject);
  });
}

describe("the backlog's workflow thread priority", () => {
  it('defaults to nice 10 and refuses values outside 0–19, naming the variable', () => {
    assert.equal(parseServiceEnv('worker', workerEnvShape, base).WORKER_BACKLOG_THREAD_NICE, 10);
    assert.equal(parseServiceEnv('worker', workerEnvShape, { ...base, WORKER_BACKLOG_THREAD_NICE: '0' }).WORKER_BACKLOG_THREAD_NICE, 0);
    for (const value of ['-1', '20', 'low']) {
      assert.throws(() => parseServiceEnv('worker', workerEnvShape, { ...base, WORKER_BACKLOG_THREAD_NICE: value }), (error: Error) => {
        assert.ok(error instanceof ServiceConfigError);
        assert.match(error.message, /WORKER_BACKLOG_THREAD_NICE is invalid/);
        return true;
      });
    }
  });

  it('lowers only the threads started inside withWorkflowThreadNice, not the main thread or later ones (Linux; elsewhere none)', async function () {
    this.timeout(30_000);
    if (process.platform !== 'linux') {
      assert.equal((await withWorkflowThreadNice(7, threadReport)).applied, 0);
      return;
    }
    const mainBefore = getPriority(0);
    const niced = await withWorkflowThreadNice(7, threadReport);
    assert.deepEqual(niced, { applied: 7, nice: 7 });
    assert.deepEqual(await threadReport(), { applied: 0, nice: 0 }, 'a thread started afterwards kept the normal priority');
    assert.equal(await withWorkflowThreadNice(0, threadReport).then((r) => r.nice), 0, 'nice 0 changes nothing');
    assert.equal(getPriority(0), mainBefore, "the main thread's priority changed");
    assert.equal(niceOfThread('/proc/thread-self/stat'), mainBefore);
  });
});
