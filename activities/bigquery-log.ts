/**
 * Writes the orchestrator's BigQuery projections (docs/contract.md §5.2): completion rows, one execution-log row per
 * transition outcome, and the per-(phase, date) status changes.
 *
 * Append-only: rows are streamed with `tabledata.insertAll`, never written by DML. DML costs a job per statement,
 * is capped per table (after the first 1,500 INSERTs a day, 10 concurrent and 100 queued; UPDATE and MERGE 2 and
 * 20) and, on the emulator, scans the table, so a season's backfill would queue behind it or be refused. Values
 * travel as JSON rows, never in SQL text.
 *
 * Exactly-once as read: each row carries a `row_key` chosen by the workflow (also sent as `insertId`, which
 * BigQuery uses for best-effort deduplication). A retry after a lost reply may append a row again; the
 * `_unique` views show each key once, and the `phase_completion_status` view folds the status changes, so
 * readers never see the repeat.
 */
import type { BigQuery, InsertRowsOptions } from '@google-cloud/bigquery';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { CompletionRow, CompletionStatusRow, ExecutionLogRow } from './activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from './activity-error-types';
import {
  PHASE_COMPLETIONS_TABLE,
  PHASE_COMPLETION_STATUS_CHANGES_TABLE,
  PHASE_EXECUTION_LOG_TABLE,
} from './bigquery-schema';
import { errorSummary } from './google-error-codes';

/** BigQuery recommends at most 500 rows per insertAll request. */
const ROWS_PER_REQUEST = 500;

/** Plain functions (not methods): the worker and tests pass them around detached from this object. */
export interface BigQueryLogActivities {
  recordCompletionRows: (rows: CompletionRow[]) => Promise<void>;
  recordExecutionLog: (row: ExecutionLogRow) => Promise<void>;
  /** Many log rows in one request per ROWS_PER_REQUEST (a writer pass's, say). */
  recordExecutionLogRows: (rows: ExecutionLogRow[]) => Promise<void>;
  upsertCompletionStatus: (row: CompletionStatusRow) => Promise<void>;
  /** Appends one status change per row; the `phase_completion_status` view folds them. */
  upsertCompletionStatuses: (rows: CompletionStatusRow[]) => Promise<void>;
}

/** A row as insertAll takes it: `insertId` for BigQuery's best-effort deduplication, `json` the columns. */
interface StreamedRow {
  insertId?: string;
  json: Record<string, unknown>;
}

export function createBigQueryLog(bigquery: BigQuery, datasetId: string): BigQueryLogActivities {
  if (!/^[A-Za-z0-9_]+$/.test(datasetId)) throw new Error(`BigQuery dataset id "${datasetId}" is not a plain dataset name`);

  /** Appends rows, ROWS_PER_REQUEST per request; a failed request fails the whole call (its retry appends again). */
  async function append(tableName: string, rows: StreamedRow[], where: string): Promise<void> {
    const table = bigquery.dataset(datasetId).table(tableName);
    // raw: the rows are already { insertId, json }; partialRetries 0: the activity retries, with back-off.
    const options: InsertRowsOptions & { raw: boolean; partialRetries: number } = { raw: true, partialRetries: 0, skipInvalidRows: false, ignoreUnknownValues: false };
    for (let i = 0; i < rows.length; i += ROWS_PER_REQUEST) {
      try {
        await table.insert(rows.slice(i, i + ROWS_PER_REQUEST), options);
      } catch (err) {
        throw classifyBigQueryError(err, where, datasetId);
      }
    }
  }

  /**
   * Keyed rows as insertAll takes them: the same key twice in one call is one row, the key is also the
   * `insertId`, JSON columns travel as JSON text, and `writtenAtColumn` gets the time of this call.
   */
  const keyedRows = <T extends { rowKey: string; metadata: Record<string, unknown> }>(rows: T[], writtenAtColumn: string): StreamedRow[] => {
    const writtenAt = new Date().toISOString();
    return [...new Map(rows.map((row) => [row.rowKey, row])).values()].map(({ rowKey, metadata, ...columns }) => ({
      insertId: rowKey,
      json: { ...columns, row_key: rowKey, metadata: JSON.stringify(metadata), [writtenAtColumn]: writtenAt },
    }));
  };

  const recordExecutionLogRows = async (rows: ExecutionLogRow[]): Promise<void> => {
    for (const row of rows) validateExecutionLogRow(row);
    if (rows.length === 0) return;
    await append(
      PHASE_EXECUTION_LOG_TABLE,
      keyedRows(rows, 'created_at'),
      `${rows.length} phase_execution_log row(s) for ${rows[0]!.game_date} (${rows.map((r) => `${r.phase_name} ${r.status}`).join(', ')})`,
    );
    for (const row of rows) log.info('Execution log row recorded', { game_date: row.game_date, transition: row.phase_name, correlation_id: row.correlation_id, status: row.status });
  };

  const upsertCompletionStatuses = async (rows: CompletionStatusRow[]): Promise<void> => {
    for (const row of rows) validateStatusRow(row);
    if (rows.length === 0) return;
    const updatedAt = new Date().toISOString();
    await append(
      PHASE_COMPLETION_STATUS_CHANGES_TABLE,
      rows.map((row) => ({ json: { ...row, updated_at: updatedAt } })),
      `the phase_completion_status change(s) for ${rows[0]!.game_date} (${rows.map((r) => r.phase).join(', ')})`,
    );
    for (const row of rows) log.info('Completion status recorded', { game_date: row.game_date, phase: row.phase, triggered: row.is_triggered });
  };

  return {
    async recordCompletionRows(rows: CompletionRow[]): Promise<void> {
      for (const row of rows) validateCompletionRow(row);
      if (rows.length === 0) return;
      await append(
        PHASE_COMPLETIONS_TABLE,
        keyedRows(rows, 'inserted_at'),
        `${rows.length} phase_completions row(s) for ${rows[0]!.game_date} (${rows[0]!.phase})`,
      );
      log.info('Completion rows recorded', { rows: rows.length, game_date: rows[0]!.game_date });
    },
    recordExecutionLog: (row) => recordExecutionLogRows([row]),
    recordExecutionLogRows,
    upsertCompletionStatus: (row) => upsertCompletionStatuses([row]),
    upsertCompletionStatuses,
  };
}

function invalidRow(where: string, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Cannot write ${where}: ${what}. The workflow built an invalid row; retrying cannot help.`,
    NonRetryableActivityErrors.bigQueryRowInvalid,
  );
}

function checkDate(value: string, where: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw invalidRow(where, `game_date "${value}" is not YYYY-MM-DD`);
}

function checkTimestamp(value: string | null, field: string, where: string): void {
  if (value !== null && Number.isNaN(Date.parse(value))) throw invalidRow(where, `${field} "${value}" is not an ISO-8601 timestamp`);
}

function checkCount(value: number, field: string, where: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidRow(where, `${field} ${value} is not a non-negative integer`);
}

function validateCompletionRow(row: CompletionRow): void {
  const where = `the phase_completions row ${row.rowKey} for ${row.game_date} (${row.phase})`;
  if (!row.rowKey) throw invalidRow(where, 'rowKey is empty');
  checkDate(row.game_date, where);
  checkTimestamp(row.completed_at, 'completed_at', where);
  checkCount(row.record_count, 'record_count', where);
}

function validateExecutionLogRow(row: ExecutionLogRow): void {
  const where = `the phase_execution_log row ${row.rowKey} for ${row.game_date} (${row.phase_name})`;
  if (!row.rowKey) throw invalidRow(where, 'rowKey is empty');
  checkDate(row.game_date, where);
  checkTimestamp(row.execution_timestamp, 'execution_timestamp', where);
  checkTimestamp(row.start_time, 'start_time', where);
  checkCount(row.games_processed, 'games_processed', where);
  if (!Number.isFinite(row.duration_seconds)) throw invalidRow(where, `duration_seconds ${row.duration_seconds} is not a number`);
}

function validateStatusRow(row: CompletionStatusRow): void {
  const where = `the phase_completion_status row for ${row.game_date} (${row.phase})`;
  checkDate(row.game_date, where);
  for (const field of ['triggered_at', 'first_completion_at', 'last_completion_at'] as const) checkTimestamp(row[field], field, where);
  checkCount(row.completed_count, 'completed_count', where);
  checkCount(row.expected_count, 'expected_count', where);
}

interface BigQueryErrorShape {
  code?: unknown;
  /** A job or request error's reasons; an insertAll PartialFailureError's per-row `{ errors: [...] }`. */
  errors?: { reason?: string; message?: string; errors?: { reason?: string; message?: string }[] }[];
}

/** Reasons BigQuery uses for "try again later", even when it answers 400 or 403. */
const TRANSIENT_REASONS = new Set(['backendError', 'internalError', 'rateLimitExceeded', 'jobRateLimitExceeded', 'quotaExceeded', 'timeout']);

/**
 * Missing table, missing permission and an invalid statement need a person; anything else (unreachable,
 * 5xx, rate limits, transaction conflicts) may pass, so it is retryable.
 */
export function classifyBigQueryError(err: unknown, where: string, datasetId: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as BigQueryErrorShape;
  const status = typeof shape.code === 'number' ? shape.code : undefined;
  const reasons = (shape.errors ?? []).flatMap((e) => [e.reason ?? '', ...(e.errors ?? []).map((inner) => inner.reason ?? '')]).filter(Boolean);
  // insertAll names the offending row's problem per row; the other rows of the request say only `stopped`.
  const rowProblem = (shape.errors ?? []).flatMap((e) => e.errors ?? []).find((e) => e.reason !== 'stopped' && e.message)?.message;
  const detail = rowProblem ? `${errorSummary(err)} ${rowProblem}` : errorSummary(err);
  const transient = reasons.some((r) => TRANSIENT_REASONS.has(r)) || /concurrent update|could not serialize/i.test(detail);
  // The emulator reports every failed job as `jobInternalError`; its analyser's wording tells what it was.
  const missingByMessage = /not found: (table|dataset)|table not found|dataset .*not found/i.test(detail);
  const invalidByMessage = /failed to (analyze|parse)/i.test(detail);
  // A network or I/O timeout (the emulator under load wraps these in its job error) is an outage, not a bad row.
  const networkFailure = /i\/o timeout|timed? ?out|ECONN(RESET|REFUSED|ABORTED)|EPIPE|socket hang up|ETIMEDOUT/i.test(detail);
  if (!networkFailure && (!transient || missingByMessage || invalidByMessage)) {
    if (status === 404 || reasons.includes('notFound') || missingByMessage) {
      return ApplicationFailure.nonRetryable(
        `Cannot write ${where}: a table in dataset ${datasetId} is missing (${detail}). Run \`npm run bigquery:schema -- --dataset ${datasetId}\`.`,
        NonRetryableActivityErrors.bigQueryTableMissing,
      );
    }
    if (status === 401 || status === 403 || reasons.includes('accessDenied')) {
      return ApplicationFailure.nonRetryable(
        `Cannot write ${where}: permission denied on dataset ${datasetId} (${detail}). Grant the worker roles/bigquery.dataEditor (and roles/bigquery.jobUser for reconciliation).`,
        NonRetryableActivityErrors.bigQueryPermissionDenied,
      );
    }
    if (status === 400 || reasons.includes('invalid') || reasons.includes('invalidQuery') || invalidByMessage) {
      return ApplicationFailure.nonRetryable(
        `Cannot write ${where}: BigQuery refused the row (${detail}). Check the table schema against activities/bigquery-schema.ts, or run \`npm run bigquery:schema -- --dataset ${datasetId}\`.`,
        NonRetryableActivityErrors.bigQueryRowInvalid,
      );
    }
  }
  return ApplicationFailure.retryable(
    `BigQuery unavailable while writing ${where}: ${detail}. Will retry; the workflow keeps the row until it lands.`,
    RetryableActivityErrors.bigQueryUnavailable,
  );
}
