import assert from 'node:assert/strict';
import type { ActivityOptions } from '@temporalio/common';
import { NonRetryableActivityErrors } from '../../activities/activity-error-types';
import {
  alertOptions,
  bigQueryOptions,
  dateRecordsOptions,
  firestoreOptions,
  httpTriggerOptions,
  publishTriggerOptions,
} from '../../activities/retry-policies';
import { createActivities } from '../../activities';
import { loadAlertConfig } from '../../activities/alert-channels';
import { testBigQuery, testDataset, testFirestore, testPubSub } from './activity-test-env';

const policies: Record<string, ActivityOptions> = {
  publishTriggerOptions,
  httpTriggerOptions,
  firestoreOptions,
  bigQueryOptions,
  dateRecordsOptions,
  alertOptions,
};

function ms(duration: unknown): number {
  const match = /^(\d+)(s|m)$/.exec(String(duration));
  assert.ok(match, `duration ${String(duration)} is in s or m`);
  return Number(match[1]) * (match[2] === 'm' ? 60_000 : 1_000);
}

describe('activities: retry policies', function () {
  for (const [name, options] of Object.entries(policies)) {
    it(`failure 12: ${name} retries with capped exponential backoff and a bound, so the workflow regains control`, function () {
      assert.ok(options.retry);
      assert.equal(options.retry.initialInterval, '1s');
      assert.equal(options.retry.backoffCoefficient, 2);
      assert.ok(ms(options.retry.maximumInterval) <= 120_000, 'maximum interval capped');
      assert.notEqual(options.retry.maximumAttempts, 1, 'never "do not retry"');
      assert.ok(options.scheduleToCloseTimeout !== undefined || (options.retry.maximumAttempts ?? 0) > 1, 'bounded');
      assert.ok(ms(options.startToCloseTimeout) < ms(options.scheduleToCloseTimeout), 'several attempts fit in the budget');
    });
  }

  it('each non-retryable failure type is listed in the policy of the activity that raises it', function () {
    const listed = new Set(Object.values(policies).flatMap((p) => p.retry?.nonRetryableErrorTypes ?? []));
    for (const type of Object.values(NonRetryableActivityErrors)) assert.ok(listed.has(type), `${type} is listed`);
  });

  it('createActivities wires every activity of the contract', async function () {
    const firestore = testFirestore();
    const pubsub = testPubSub();
    try {
      const activities = createActivities({
        pubsub,
        firestore,
        bigquery: testBigQuery(),
        datasetId: testDataset(),
        alertConfig: loadAlertConfig({ ALERTS_TO_CONSOLE: '1' }),
      });
      assert.deepEqual(Object.keys(activities).sort(), [
        'callHttpTrigger',
        'projectCompletionDocument',
        'publishTrigger',
        'recordCompletionRows',
        'recordExecutionLog',
        'sendAlert',
        'upsertCompletionStatus',
        'writeDateRecords',
      ]);
      for (const fn of Object.values(activities)) assert.equal(typeof fn, 'function');
    } finally {
      await Promise.all([firestore.terminate(), pubsub.close()]);
    }
  });
});
