import assert from 'node:assert/strict';
import type { BigQuery } from '@google-cloud/bigquery';
import { ApplicationFailure } from '@temporalio/common';
import type { CompletionRow, CompletionStatusRow } from '../../activities/activity-contracts';
import { NonRetryableActivityErrors } from '../../activities/activity-error-types';
import { createBigQueryLog } from '../../activities/bigquery-log';
import { ensureBigQuerySchema } from '../../activities/bigquery-schema';
import { executionLogRow } from './activity-fixtures';
import { runActivity, testBigQuery, testDataset, uniqueGameDate, uniqueSuffix } from './activity-test-env';

function completionRow(gameDate: string, processor: string): CompletionRow {
  return {
    rowKey: `nba/${gameDate}/phase_3_analytics/${processor}/exec-1`,
    phase: 'phase_3_analytics',
    game_date: gameDate,
    processor_name: processor,
    status: 'success',
    record_count: 42,
    correlation_id: 'corr-1',
    execution_id: 'exec-1',
    completed_at: `${gameDate}T05:00:00.000Z`,
    is_incremental: true,
    entities_changed: ['p1', 'p2'],
    metadata: { is_incremental: true },
  };
}

function statusRow(gameDate: string, overrides: Partial<CompletionStatusRow> = {}): CompletionStatusRow {
  return {
    phase: 'phase3_to_phase4',
    game_date: gameDate,
    completed_count: 2,
    expected_count: 5,
    completed_processors: ['player_game_summary', 'upcoming_player_game_context'],
    missing_processors: ['team_defense_game_summary'],
    is_triggered: false,
    triggered_at: null,
    trigger_reason: null,
    mode: 'overnight',
    first_completion_at: `${gameDate}T05:00:00.000Z`,
    last_completion_at: `${gameDate}T06:00:00.000Z`,
    ...overrides,
  };
}

describe('activities: BigQuery log', function () {
  let bigquery: BigQuery;
  let dataset: string;
  let activities: ReturnType<typeof createBigQueryLog>;

  async function select(sql: string, params: Record<string, string>): Promise<Record<string, unknown>[]> {
    const [rows] = await bigquery.query({ query: sql.replaceAll('DATASET', dataset), params });
    return rows as Record<string, unknown>[];
  }

  before(async function () {
    bigquery = testBigQuery();
    dataset = testDataset();
    await ensureBigQuerySchema(bigquery, dataset);
    activities = createBigQueryLog(bigquery, dataset);
  });

  it('failure 13: every execution-log call lands exactly one row, even when retried', async function () {
    const gameDate = uniqueGameDate();
    const row = executionLogRow(gameDate);
    await runActivity(activities.recordExecutionLog, row);
    await runActivity(activities.recordExecutionLog, row); // a retry after a lost reply
    const rows = await select(
      'SELECT status, games_processed, duration_seconds, TO_JSON_STRING(metadata) AS metadata, created_at FROM `DATASET.phase_execution_log_unique` WHERE game_date = CAST(@d AS DATE) AND row_key = @k',
      { d: gameDate, k: row.rowKey },
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'complete');
    assert.equal(rows[0]!.games_processed, 5);
    assert.equal(rows[0]!.duration_seconds, 1800.5);
    assert.deepEqual(JSON.parse(rows[0]!.metadata as string), row.metadata);
    assert.ok(rows[0]!.created_at, 'created_at is set');
    // Appended twice, shown once: the table holds the retry, the view hides it.
    const appended = await select('SELECT COUNT(*) AS n FROM `DATASET.phase_execution_log` WHERE game_date = CAST(@d AS DATE) AND row_key = @k', { d: gameDate, k: row.rowKey });
    assert.equal(appended[0]!.n, 2);
  });

  it('distinct outcomes of one transition are distinct rows', async function () {
    const gameDate = uniqueGameDate();
    await runActivity(activities.recordExecutionLog, executionLogRow(gameDate, { rowKey: `k-blocked-${uniqueSuffix()}`, status: 'blocked' }));
    await runActivity(activities.recordExecutionLog, executionLogRow(gameDate, { rowKey: `k-complete-${uniqueSuffix()}`, status: 'complete' }));
    const rows = await select('SELECT status FROM `DATASET.phase_execution_log_unique` WHERE game_date = CAST(@d AS DATE) ORDER BY status', { d: gameDate });
    assert.deepEqual(rows.map((r) => r.status), ['blocked', 'complete']);
  });

  it('completion rows are written once per rowKey, across calls and within one call', async function () {
    const gameDate = uniqueGameDate();
    const a = completionRow(gameDate, 'player_game_summary');
    const b = completionRow(gameDate, 'team_offense_game_summary');
    await runActivity(activities.recordCompletionRows, [a, b, a]);
    await runActivity(activities.recordCompletionRows, [b]);
    await runActivity(activities.recordCompletionRows, []);
    const rows = await select(
      'SELECT processor_name, record_count, is_incremental, entities_changed, completed_at, inserted_at FROM `DATASET.phase_completions_unique` WHERE game_date = CAST(@d AS DATE) ORDER BY processor_name',
      { d: gameDate },
    );
    assert.deepEqual(rows.map((r) => r.processor_name), ['player_game_summary', 'team_offense_game_summary']);
    assert.equal(rows[0]!.record_count, 42);
    assert.equal(rows[0]!.is_incremental, true);
    assert.deepEqual(rows[0]!.entities_changed, ['p1', 'p2']);
    assert.ok(rows[0]!.inserted_at);
  });

  it('the status view shows one row per (phase, game_date), never un-triggered, never rolled back by a late retry', async function () {
    const gameDate = uniqueGameDate();
    const read = (): Promise<Record<string, unknown>[]> =>
      select(
        'SELECT completed_count, is_triggered, trigger_reason, missing_processors, CAST(last_completion_at AS STRING) AS last FROM `DATASET.phase_completion_status` WHERE phase = @p AND game_date = CAST(@d AS DATE)',
        { p: 'phase3_to_phase4', d: gameDate },
      );

    await runActivity(activities.upsertCompletionStatus, statusRow(gameDate));
    await runActivity(activities.upsertCompletionStatus, statusRow(gameDate));
    let rows = await read();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.completed_count, 2);

    const triggered = statusRow(gameDate, {
      completed_count: 5,
      missing_processors: [],
      is_triggered: true,
      triggered_at: `${gameDate}T07:00:00.000Z`,
      trigger_reason: 'all_complete',
      last_completion_at: `${gameDate}T07:00:00.000Z`,
    });
    await runActivity(activities.upsertCompletionStatus, triggered);
    rows = await read();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.completed_count, 5);
    assert.equal(rows[0]!.is_triggered, true);
    assert.deepEqual(rows[0]!.missing_processors, []);

    // The first input retried late: older last_completion_at, not triggered. Nothing may move back.
    await runActivity(activities.upsertCompletionStatus, statusRow(gameDate));
    // A newer input that says "not triggered" keeps the trigger.
    await runActivity(activities.upsertCompletionStatus, { ...triggered, is_triggered: false, triggered_at: null, trigger_reason: null, last_completion_at: `${gameDate}T08:00:00.000Z`, completed_count: 5 });
    rows = await read();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.completed_count, 5);
    assert.equal(rows[0]!.is_triggered, true);
    assert.equal(rows[0]!.trigger_reason, 'all_complete');
  });

  it("a pass's log rows go in one request, each landing once across retries", async function () {
    const gameDate = uniqueGameDate();
    const blocked = executionLogRow(gameDate, { rowKey: `k-blocked-${uniqueSuffix()}`, status: 'blocked' });
    const complete = executionLogRow(gameDate, { rowKey: `k-complete-${uniqueSuffix()}`, status: 'complete', phase_name: 'phase3_to_phase4' });
    await runActivity(activities.recordExecutionLogRows, [blocked, complete]);
    await runActivity(activities.recordExecutionLogRows, [blocked, complete]); // a retry after a lost reply
    await runActivity(activities.recordExecutionLogRows, []);
    const rows = await select('SELECT phase_name, status FROM `DATASET.phase_execution_log_unique` WHERE game_date = CAST(@d AS DATE) ORDER BY status', { d: gameDate });
    assert.deepEqual(rows.map((r) => `${String(r.phase_name)}:${String(r.status)}`), ['phase2_to_phase3:blocked', 'phase3_to_phase4:complete']);
  });

  it("a pass's status changes of several phases go in one request, each keeping its own rules", async function () {
    const gameDate = uniqueGameDate();
    const read = async (): Promise<string[]> =>
      (
        await select(
          'SELECT phase, completed_count, is_triggered FROM `DATASET.phase_completion_status` WHERE game_date = CAST(@d AS DATE) ORDER BY phase',
          { d: gameDate },
        )
      ).map((r) => `${String(r.phase)}:${String(r.completed_count)}:${String(r.is_triggered)}`);
    const later = `${gameDate}T07:00:00.000Z`;
    const p34 = statusRow(gameDate, { is_triggered: true, triggered_at: later, trigger_reason: 'all_complete', completed_count: 5, last_completion_at: later });
    const p45 = statusRow(gameDate, { phase: 'phase4_to_phase5', completed_count: 1 });
    await runActivity(activities.upsertCompletionStatuses, [p34, p45]);
    assert.deepEqual(await read(), ['phase3_to_phase4:5:true', 'phase4_to_phase5:1:false']);
    // A late retry of an older phase-3 row with a newer phase-4 row: the first is ignored, the second applied.
    await runActivity(activities.upsertCompletionStatuses, [statusRow(gameDate), { ...p45, completed_count: 3, last_completion_at: later }]);
    assert.deepEqual(await read(), ['phase3_to_phase4:5:true', 'phase4_to_phase5:3:false']);
  });

  it('a value shaped like SQL is stored as data, never executed', async function () {
    const gameDate = uniqueGameDate();
    const evil = "x'); DELETE FROM phase_execution_log; --";
    await runActivity(activities.recordExecutionLog, executionLogRow(gameDate, { rowKey: evil, correlation_id: evil }));
    const rows = await select('SELECT correlation_id FROM `DATASET.phase_execution_log_unique` WHERE game_date = CAST(@d AS DATE)', { d: gameDate });
    assert.deepEqual(rows.map((r) => r.correlation_id), [evil]);
  });

  it('a row BigQuery refuses is a non-retryable failure that names the problem', async function () {
    const gameDate = uniqueGameDate();
    const log = createBigQueryLog(bigquery, dataset);
    // A column the table lacks: a dataset not yet migrated to the code's schema.
    const row = { ...completionRow(gameDate, 'player_game_summary'), shot_clock: 24 };
    await assert.rejects(runActivity(log.recordCompletionRows, [row]), (err) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.nonRetryable, true, err.message);
      assert.equal(err.type, NonRetryableActivityErrors.bigQueryRowInvalid, err.message);
      assert.ok(err.message.includes(gameDate) && err.message.includes('shot_clock'), err.message);
      assert.match(err.message, /bigquery:schema/);
      return true;
    });
  });

  it('an invalid row is a non-retryable failure naming date and transition', async function () {
    const gameDate = uniqueGameDate();
    await assert.rejects(runActivity(activities.recordExecutionLog, executionLogRow(gameDate, { start_time: 'soon' })), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, NonRetryableActivityErrors.bigQueryRowInvalid);
      assert.ok(err.message.includes(gameDate) && err.message.includes('phase2_to_phase3'), err.message);
      return true;
    });
  });

  it('a missing table is a non-retryable failure that says how to create it', async function () {
    const missing = `missing_${uniqueSuffix()}`;
    const log = createBigQueryLog(bigquery, missing);
    await assert.rejects(runActivity(log.recordExecutionLog, executionLogRow(uniqueGameDate())), (err) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.nonRetryable, true, err.message);
      assert.equal(err.type, NonRetryableActivityErrors.bigQueryTableMissing, err.message);
      assert.match(err.message, /bigquery:schema/);
      return true;
    });
  });
});
