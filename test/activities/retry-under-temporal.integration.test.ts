/**
 * The HTTP trigger run by a real worker on the stack's Temporal dev server with its production retry
 * policy: a 5xx is retried until the endpoint accepts, a 400 fails the workflow's activity at once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { HttpTriggerInput } from '../../activities/activity-contracts';
import { NonRetryableActivityErrors } from '../../activities/activity-error-types';
import { createHttpTrigger } from '../../activities/http-trigger';
import { devServerEnv } from '../harness';
import { startHttpReceiver, type HttpReceiver } from './http-receiver';
import { uniqueGameDate } from './activity-test-env';
import { httpTriggerProbe } from './workflows/http-trigger-probe';

describe('activities: HTTP trigger under Temporal retries', function () {
  this.timeout(120_000);
  let receiver: HttpReceiver;

  beforeEach(async function () {
    receiver = await startHttpReceiver();
  });
  afterEach(async function () {
    await receiver?.close();
  });

  async function run(input: HttpTriggerInput): Promise<unknown> {
    const env = await devServerEnv();
    const taskQueue = `activities-http-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowsPath: require.resolve('./workflows/http-trigger-probe'),
      activities: { callHttpTrigger: createHttpTrigger({ env: { PREDICTION_COORDINATOR_URL: receiver.url }, timeoutMs: 2_000 }) },
    });
    return worker.runUntil(env.client.workflow.execute(httpTriggerProbe, { taskQueue, workflowId: `probe-${randomUUID()}`, args: [input] }));
  }

  function input(): HttpTriggerInput {
    const gameDate = uniqueGameDate();
    return {
      gameDate,
      transition: 'phase4_to_phase5',
      triggerId: `nba/${gameDate}/phase4_to_phase5/1`,
      urlEnvVar: 'PREDICTION_COORDINATOR_URL',
      path: '/start',
      body: { game_date: gameDate },
    };
  }

  it('failure 12: a retryable failure is really retried (500, 500, then 202 is accepted)', async function () {
    receiver.replies.push({ status: 500 }, { status: 500 }, { status: 202 });
    const result = await run(input());
    assert.deepEqual(result, { called: true, status: 202, outcome: 'accepted' });
    assert.equal(receiver.requests.length, 3);
  });

  it('failure 9: HTTP 400 fails the activity after exactly one attempt, with the failure type the workflow can act on', async function () {
    receiver.fallback = { status: 400, body: 'missing source_table' };
    await assert.rejects(run(input()), (err) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ActivityFailure);
      assert.ok(err.cause.cause instanceof ApplicationFailure);
      assert.equal(err.cause.cause.type, NonRetryableActivityErrors.httpTriggerRejected);
      assert.equal(err.cause.cause.nonRetryable, true);
      return true;
    });
    assert.equal(receiver.requests.length, 1);
  });
});
