import assert from 'node:assert/strict';
import type { BigQuery, TableMetadata } from '@google-cloud/bigquery';
import { createBigQueryLog } from '../../activities/bigquery-log';
import {
  PHASE_COMPLETION_STATUS_CHANGES_TABLE,
  PHASE_COMPLETION_STATUS_SCHEMA,
  PHASE_COMPLETION_STATUS_TABLE,
  PHASE_EXECUTION_LOG_SCHEMA,
  PHASE_EXECUTION_LOG_TABLE,
  ensureBigQuerySchema,
} from '../../activities/bigquery-schema';
import { executionLogRow } from './activity-fixtures';
import { runActivity, testBigQuery, uniqueGameDate, uniqueSuffix } from './activity-test-env';

/**
 * A dataset as the previous version left it: the same log table, and a status table rewritten by DML. (The
 * emulator cannot add a column to a table, so the older path of adding `row_key` is not replayed here.)
 */
async function createEarlierDataset(bigquery: BigQuery, datasetId: string, gameDate: string): Promise<void> {
  const [dataset] = await bigquery.createDataset(datasetId);
  await dataset.createTable(PHASE_EXECUTION_LOG_TABLE, {
    schema: { fields: PHASE_EXECUTION_LOG_SCHEMA },
    timePartitioning: { type: 'DAY', field: 'game_date' },
  });
  await dataset.createTable(PHASE_COMPLETION_STATUS_TABLE, { schema: { fields: PHASE_COMPLETION_STATUS_SCHEMA } });
  const run = async (query: string): Promise<void> => {
    const [job] = await bigquery.createQueryJob({ query, params: { d: gameDate } });
    await job.getQueryResults();
  };
  await run(`INSERT INTO \`${datasetId}.${PHASE_EXECUTION_LOG_TABLE}\` (phase_name, game_date, status, created_at, row_key)
    VALUES ('phase2_to_phase3', CAST(@d AS DATE), 'complete', CURRENT_TIMESTAMP(), 'old-row')`);
  await run(`INSERT INTO \`${datasetId}.${PHASE_COMPLETION_STATUS_TABLE}\`
    (phase, game_date, completed_count, expected_count, completed_processors, missing_processors, is_triggered,
     triggered_at, trigger_reason, mode, first_completion_at, last_completion_at, updated_at)
    VALUES ('phase2_to_phase3', CAST(@d AS DATE), 5, 5, ['a', 'b', 'c', 'd', 'e'], [], TRUE,
     TIMESTAMP('2031-01-01 07:00:00+00'), 'all_complete', 'overnight', TIMESTAMP('2031-01-01 05:00:00+00'),
     TIMESTAMP('2031-01-01 06:00:00+00'), CURRENT_TIMESTAMP())`);
}

describe('activities: BigQuery schema migration from an earlier version', function () {
  let bigquery: BigQuery;
  let datasetId: string;
  const gameDate = uniqueGameDate();

  before(async function () {
    bigquery = testBigQuery();
    datasetId = `earlier_${uniqueSuffix()}`;
    await createEarlierDataset(bigquery, datasetId, gameDate);
    await ensureBigQuerySchema(bigquery, datasetId);
  });

  after(async function () {
    await bigquery.dataset(datasetId).delete({ force: true }).catch(() => undefined);
  });

  const statusRows = async (): Promise<Record<string, unknown>[]> => {
    const [rows] = await bigquery.query({
      query: `SELECT phase, completed_count, is_triggered, trigger_reason, completed_processors, CAST(triggered_at AS STRING) AS triggered_at
        FROM \`${datasetId}.${PHASE_COMPLETION_STATUS_TABLE}\` WHERE game_date = CAST(@d AS DATE)`,
      params: { d: gameDate },
    });
    return rows as Record<string, unknown>[];
  };

  it('replaces the status table by a view of the same name and columns that keeps its rows', async function () {
    const metadata = (await bigquery.dataset(datasetId).table(PHASE_COMPLETION_STATUS_TABLE).getMetadata())[0] as TableMetadata;
    assert.ok(metadata.view?.query, `phase_completion_status is a view now (type ${String(metadata.type)})`);
    const columns = (metadata.schema?.fields ?? []).map((field) => field.name);
    assert.deepEqual(columns, PHASE_COMPLETION_STATUS_SCHEMA.map((field) => field.name));
    const rows = await statusRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.completed_count, 5);
    assert.equal(rows[0]!.is_triggered, true);
    assert.equal(rows[0]!.trigger_reason, 'all_complete');
    assert.deepEqual(rows[0]!.completed_processors, ['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps the log table: its old rows and new appends show through the exactly-once view', async function () {
    const log = createBigQueryLog(bigquery, datasetId);
    await runActivity(log.recordExecutionLog, executionLogRow(gameDate, { rowKey: `k-${uniqueSuffix()}`, status: 'blocked' }));
    const [rows] = await bigquery.query({
      query: `SELECT status FROM \`${datasetId}.phase_execution_log_unique\` WHERE game_date = CAST(@d AS DATE) ORDER BY status`,
      params: { d: gameDate },
    });
    assert.deepEqual((rows as { status: string }[]).map((r) => r.status), ['blocked', 'complete']);
  });

  it('runs again without copying the rows again, and new status changes fold onto the migrated row', async function () {
    await ensureBigQuerySchema(bigquery, datasetId);
    const [changes] = await bigquery.query({
      query: `SELECT COUNT(*) AS n FROM \`${datasetId}.${PHASE_COMPLETION_STATUS_CHANGES_TABLE}\` WHERE game_date = CAST(@d AS DATE)`,
      params: { d: gameDate },
    });
    assert.equal((changes as { n: number }[])[0]!.n, 1);
    const log = createBigQueryLog(bigquery, datasetId);
    // A late, older change (before the migrated row's last completion) must not roll the date back.
    await runActivity(log.upsertCompletionStatus, {
      phase: 'phase2_to_phase3',
      game_date: gameDate,
      completed_count: 3,
      expected_count: 5,
      completed_processors: ['a', 'b', 'c'],
      missing_processors: ['d', 'e'],
      is_triggered: false,
      triggered_at: null,
      trigger_reason: null,
      mode: 'overnight',
      first_completion_at: '2031-01-01T04:00:00.000Z',
      last_completion_at: '2031-01-01T05:30:00.000Z',
    });
    const rows = await statusRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.completed_count, 5);
    assert.equal(rows[0]!.is_triggered, true);
    assert.match(String(rows[0]!.triggered_at), /^2031-01-01[ T]07:00:00/);
  });
});
