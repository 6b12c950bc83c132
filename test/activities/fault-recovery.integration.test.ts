/**
 * Outages of the real emulators mid-run: while a store is down the activity fails retryably (so Temporal
 * retries it and the workflow keeps the data), and once the store is back the retry lands everything.
 */
import assert from 'node:assert/strict';
import { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import { ApplicationFailure } from '@temporalio/common';
import { RetryableActivityErrors } from '../../activities/activity-error-types';
import { createBigQueryLog } from '../../activities/bigquery-log';
import { ensureBigQuerySchema } from '../../activities/bigquery-schema';
import { createFirestoreProjection } from '../../activities/firestore-projection';
import { executionLogRow, projectionInput } from './activity-fixtures';
import { projectId, runActivity, testFirestore, uniqueGameDate } from './activity-test-env';
import { startRestartableEmulator, type RestartableEmulator } from './restartable-emulator';

/** What Temporal's retry policy does, in small: call again while the failure is retryable. */
async function retryUntilDone(attempt: () => Promise<void>, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    try {
      await attempt();
      return attempts;
    } catch (err) {
      assert.ok(err instanceof ApplicationFailure && !err.nonRetryable, `only retryable failures while recovering, got ${String(err)}`);
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function assertRetryable(type: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.nonRetryable, false, err.message);
    assert.equal(err.type, type);
    return true;
  };
}

describe('activities: store outages (fault tests)', function () {
  this.timeout(180_000);
  let emulator: RestartableEmulator | undefined;

  afterEach(async function () {
    await emulator?.dispose();
    emulator = undefined;
  });

  it('failure 12: Firestore down mid-run fails the projection retryably; after restart the retry lands the document', async function () {
    emulator = await startRestartableEmulator('firestore', projectId());
    const firestore: Firestore = testFirestore(emulator.host);
    const project = createFirestoreProjection(firestore);
    const gameDate = uniqueGameDate();
    try {
      await runActivity(project, projectionInput(gameDate));

      await emulator.stop();
      const later = projectionInput(gameDate, { _last_update: `${gameDate}T08:00:00.000Z`, _completed_count: 2 });
      later.processors.team_defense_game_summary = { ...later.processors.player_game_summary!, execution_id: 'exec-2' };
      await assert.rejects(runActivity(project, later), assertRetryable(RetryableActivityErrors.firestoreUnavailable));

      await emulator.start();
      await retryUntilDone(() => runActivity(project, later), 60_000);
      const data = (await firestore.collection('phase3_completion').doc(gameDate).get()).data();
      assert.ok(data, 'document exists after recovery');
      assert.equal(data._completed_count, 2);
      assert.ok(data.player_game_summary && data.team_defense_game_summary, 'both processors present');
    } finally {
      await firestore.terminate();
    }
  });

  it('failure 13: BigQuery down mid-run fails the log write retryably; after restart exactly one row per outcome exists', async function () {
    emulator = await startRestartableEmulator('bigquery', projectId());
    // Few client-side retries: the outage should reach the activity quickly, as Temporal then retries it.
    const bigquery = new BigQuery({ projectId: projectId(), apiEndpoint: emulator.url, maxRetries: 1 });
    const dataset = 'fault_test';
    await ensureBigQuerySchema(bigquery, dataset);
    const activities = createBigQueryLog(bigquery, dataset);
    const gameDate = uniqueGameDate();
    const before = executionLogRow(gameDate, { rowKey: 'before-outage', status: 'partial' });
    const during = executionLogRow(gameDate, { rowKey: 'during-outage', status: 'complete' });

    await runActivity(activities.recordExecutionLog, before);
    await emulator.stop();
    await assert.rejects(runActivity(activities.recordExecutionLog, during), assertRetryable(RetryableActivityErrors.bigQueryUnavailable));

    await emulator.start();
    await retryUntilDone(() => runActivity(activities.recordExecutionLog, during), 60_000);
    await runActivity(activities.recordExecutionLog, during); // a duplicate attempt after recovery

    const [rows] = await bigquery.query({
      query: `SELECT row_key, status FROM \`${dataset}.phase_execution_log_unique\` WHERE game_date = CAST(@d AS DATE) ORDER BY row_key`,
      params: { d: gameDate },
    });
    assert.deepEqual(rows, [
      { row_key: 'before-outage', status: 'partial' },
      { row_key: 'during-outage', status: 'complete' },
    ]);
  });
});
