import assert from 'node:assert/strict';
import { parseServiceEnv } from '../../service/service-environment';
import { ServiceConfigError } from '../../service/startup';
import { workerEnvShape } from '../../worker/worker-config';
import { bundleWorkflowsInChild } from '../../worker/workflow-bundle';

const base = { GOOGLE_CLOUD_PROJECT: 'nba-local' };

describe('worker memory settings', () => {
  it('caps the workflow cache at 200 by default; 0 turns it off', () => {
    assert.equal(parseServiceEnv('worker', workerEnvShape, base).WORKER_MAX_CACHED_WORKFLOWS, 200);
    assert.equal(parseServiceEnv('worker', workerEnvShape, { ...base, WORKER_MAX_CACHED_WORKFLOWS: '0' }).WORKER_MAX_CACHED_WORKFLOWS, 0);
  });

  it("caps the backlog's workflow cache at 20 by default, apart from the live dates'", () => {
    assert.equal(parseServiceEnv('worker', workerEnvShape, base).WORKER_BACKLOG_MAX_CACHED_WORKFLOWS, 20);
    const both = parseServiceEnv('worker', workerEnvShape, { ...base, WORKER_MAX_CACHED_WORKFLOWS: '20', WORKER_BACKLOG_MAX_CACHED_WORKFLOWS: '0' });
    assert.deepEqual([both.WORKER_MAX_CACHED_WORKFLOWS, both.WORKER_BACKLOG_MAX_CACHED_WORKFLOWS], [20, 0]);
  });

  for (const name of ['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_BACKLOG_MAX_CACHED_WORKFLOWS']) {
    for (const value of ['-1', '1', '2.5', 'lots']) {
      it(`refuses ${name}=${value}, naming the variable`, () => {
        assert.throws(() => parseServiceEnv('worker', workerEnvShape, { ...base, [name]: value }), (error: Error) => {
          assert.ok(error instanceof ServiceConfigError);
          assert.match(error.message, new RegExp(`${name} is invalid`));
          return true;
        });
      });
    }
  }

  it('bundles the workflows in a child process, without zod', async function () {
    this.timeout(120_000);
    const { code } = await bundleWorkflowsInChild(require.resolve('../../workflows'), 'WARN');
    assert.match(code, /gameDateWorkflow/);
    // Every cached workflow loads the bundle again; zod's schemas would cost about 700 KB each.
    assert.doesNotMatch(code, /node_modules\/zod\//, 'workflow code imports zod (import only types from modules that build schemas)');
  });

  it('fails start-up clearly when the workflows cannot be bundled', async function () {
    this.timeout(120_000);
    await assert.rejects(bundleWorkflowsInChild(require.resolve('../../workflows').replace(/index\.ts$/, 'missing.ts'), 'ERROR'), /workflow bundling failed/);
  });
});
