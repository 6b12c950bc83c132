import assert from 'node:assert/strict';
import { parseServiceEnv } from '../../service/service-environment';
import { ServiceConfigError } from '../../service/startup';
import { workerEnvShape, workflowTaskOptions } from '../../worker/worker-config';

const base = { GOOGLE_CLOUD_PROJECT: 'nba-local' };
const parse = (env: Record<string, string>) => parseServiceEnv('worker', workerEnvShape, { ...base, ...env });

describe('worker workflow-task slots', () => {
  it('holds 4 workflow tasks by default, with autoscaling polls between 2 and 4', () => {
    const options = workflowTaskOptions(parse({}));
    assert.equal(options.maxConcurrentWorkflowTaskExecutions, 4);
    assert.deepEqual(options.workflowTaskPollerBehavior, { type: 'autoscaling', minimum: 2, initial: 4, maximum: 4 });
  });

  it('never opens more polls than it has slots, fixed or autoscaling', () => {
    const fixed = workflowTaskOptions(parse({ WORKER_WORKFLOW_TASK_POLLERS: 'fixed', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '3' }));
    assert.equal(fixed.maxConcurrentWorkflowTaskPolls, 3);
    const many = workflowTaskOptions(parse({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40', WORKER_MAX_WORKFLOW_TASK_POLLS: '20' }));
    assert.deepEqual(many.workflowTaskPollerBehavior, { type: 'autoscaling', minimum: 2, initial: 4, maximum: 20 });
  });

  for (const value of ['1', '0', '4.5', 'some']) {
    it(`refuses WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=${value}, naming the variable`, () => {
      assert.throws(() => parse({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: value }), (error: Error) => {
        assert.ok(error instanceof ServiceConfigError);
        assert.match(error.message, /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS is invalid/);
        return true;
      });
    });
  }
});
