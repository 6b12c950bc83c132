import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKFLOW_SEARCH_ATTRIBUTES } from '../../local-stack/search-attributes';
import { devServerEnv, timeSkippingEnv } from '../harness';
import { greetWorkflow, sleepOneDayWorkflow, type SmokeActivities } from './smoke-workflows';

const activities: SmokeActivities = {
  shout: (text) => Promise.resolve(text.toUpperCase()),
};

async function workerFor(env: TestWorkflowEnvironment, taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowsPath: require.resolve('./smoke-workflows'),
    activities,
  });
}

describe('smoke: Temporal', function () {
  this.timeout(60_000);

  it('runs a workflow with an activity through a real worker on the dev server', async () => {
    const env = await devServerEnv();
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await workerFor(env, taskQueue);
    const result = await worker.runUntil(
      env.client.workflow.execute(greetWorkflow, { taskQueue, workflowId: `smoke-greet-${randomUUID()}`, args: ['dev server'] }),
    );
    assert.equal(result, 'HELLO DEV SERVER');
  });

  it('has the workflow search attributes registered on the dev server', async () => {
    const env = await devServerEnv();
    const response = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace ?? 'default' });
    for (const name of Object.keys(WORKFLOW_SEARCH_ATTRIBUTES)) {
      assert.ok(name in response.customAttributes, `search attribute ${name} missing`);
    }
  });

  it('skips a one-day sleep on the time-skipping server in well under a second', async () => {
    const env = await timeSkippingEnv();
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await workerFor(env, taskQueue);
    const started = performance.now();
    const workflowElapsedMs = await worker.runUntil(
      env.client.workflow.execute(sleepOneDayWorkflow, { taskQueue, workflowId: `smoke-sleep-${randomUUID()}` }),
    );
    const realElapsedMs = performance.now() - started;
    assert.ok(workflowElapsedMs >= 24 * 3600 * 1000, `workflow time advanced only ${workflowElapsedMs} ms`);
    assert.ok(realElapsedMs < 1_000, `one-day sleep took ${realElapsedMs.toFixed(0)} ms of real time`);
  });
});
