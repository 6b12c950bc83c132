/**
 * Writes the orchestrator's BigQuery projections (docs/contract.md §5.2): completion rows, one execution-log row per
 * transition outcome, and the per-(phase, date) status row.
 *
 * Every statement is parameterised: message values only ever travel as query parameters, and the SQL text
 * holds nothing but our own table names and parameter names. All parameters are sent as STRING and cast in
 * SQL, which real BigQuery and the emulator read the same way.
 *
 * Exactly-once rows: streaming inserts' `insertId` is best-effort (and ignored by the emulator), so each row
 * carries a `row_key` chosen by the workflow and is inserted with `INSERT … WHERE NOT EXISTS (row_key)`. A
 * retry after a lost reply finds its row and writes nothing. The job timeout stays below the activity's
 * start-to-close timeout, so an abandoned attempt's job is cancelled before the next attempt runs.
 */
import type { BigQuery, Query } from '@google-cloud/bigquery';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { CompletionRow, CompletionStatusRow, ExecutionLogRow } from './activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from './activity-error-types';
import {
  PHASE_COMPLETIONS_TABLE,
  PHASE_COMPLETION_STATUS_TABLE,
  PHASE_EXECUTION_LOG_TABLE,
} from './bigquery-schema';
import { errorSummary } from './google-error-codes';

/** Below bigQueryOptions' one-minute start-to-close. */
const JOB_TIMEOUT_MS = 45_000;
/** Rows per INSERT statement; keeps the statement and its parameter list well inside BigQuery's limits. */
const ROWS_PER_STATEMENT = 50;

type ParamValue = string | string[] | null;

/** A statement under construction: SQL fragments reference parameters by generated names only. */
class Statement {
  readonly params: Record<string, ParamValue> = {};
  readonly types: Record<string, string | string[]> = {};
  private next = 0;

  /** Registers a scalar value and returns its `@name`. */
  private param(value: string | number | boolean | null): string {
    const name = `p${this.next++}`;
    this.params[name] = value === null ? null : String(value);
    this.types[name] = 'STRING';
    return `@${name}`;
  }

  /** The explicit cast types a NULL too (the emulator would otherwise guess INT64). */
  string(value: string | null): string {
    return `CAST(${this.param(value)} AS STRING)`;
  }

  array(values: string[]): string {
    const name = `p${this.next++}`;
    this.params[name] = values;
    this.types[name] = ['STRING'];
    return `@${name}`;
  }

  date(value: string): string {
    return `CAST(${this.param(value)} AS DATE)`;
  }

  timestamp(value: string | null): string {
    return `TIMESTAMP(${this.param(value)})`;
  }

  int(value: number): string {
    return `CAST(${this.param(value)} AS INT64)`;
  }

  float(value: number): string {
    return `CAST(${this.param(value)} AS FLOAT64)`;
  }

  bool(value: boolean): string {
    return `CAST(${this.param(value)} AS BOOL)`;
  }

  json(value: Record<string, unknown>): string {
    return `PARSE_JSON(${this.param(JSON.stringify(value))})`;
  }
}

/** Plain functions (not methods): the worker and tests pass them around detached from this object. */
export interface BigQueryLogActivities {
  recordCompletionRows: (rows: CompletionRow[]) => Promise<void>;
  recordExecutionLog: (row: ExecutionLogRow) => Promise<void>;
  /** Many log rows in one INSERT job per ROWS_PER_STATEMENT (a writer pass's, say). */
  recordExecutionLogRows: (rows: ExecutionLogRow[]) => Promise<void>;
  upsertCompletionStatus: (row: CompletionStatusRow) => Promise<void>;
  /** Many status rows in one transaction, so a writer pass costs one DML job however many phases moved. */
  upsertCompletionStatuses: (rows: CompletionStatusRow[]) => Promise<void>;
}

/** Rows split into runs of ROWS_PER_STATEMENT, one statement (job) each. */
function statementChunks<T>(rows: T[]): T[][] {
  return Array.from({ length: Math.ceil(rows.length / ROWS_PER_STATEMENT) }, (_, i) => rows.slice(i * ROWS_PER_STATEMENT, (i + 1) * ROWS_PER_STATEMENT));
}

/** A row inserted at most once: keyed by `rowKey` within its game date. */
interface KeyedRow {
  rowKey: string;
  game_date: string;
}

export function createBigQueryLog(bigquery: BigQuery, datasetId: string): BigQueryLogActivities {
  if (!/^[A-Za-z0-9_]+$/.test(datasetId)) throw new Error(`BigQuery dataset id "${datasetId}" is not a plain dataset name`);
  const table = (name: string): string => `\`${datasetId}.${name}\``;

  async function run(statement: Statement, sql: string, where: string): Promise<void> {
    const query: Query = { query: sql, params: statement.params, types: statement.types, jobTimeoutMs: JOB_TIMEOUT_MS };
    try {
      const [job] = await bigquery.createQueryJob(query);
      await job.getQueryResults({ timeoutMs: JOB_TIMEOUT_MS });
    } catch (err) {
      throw classifyBigQueryError(err, where, datasetId);
    }
  }

  /**
   * INSERT … WHERE NOT EXISTS for each row, ROWS_PER_STATEMENT rows per job. `values` lists the row's columns
   * in `columns` order (without the trailing insert time), reusing the `key` and `date` parameters it is given.
   */
  async function insertAbsentRows<T extends KeyedRow>(
    tableName: string,
    columns: string,
    rows: T[],
    values: (s: Statement, row: T, key: string, date: string) => string,
    describe: (chunk: T[]) => string,
  ): Promise<void> {
    const target = table(tableName);
    const unique = [...new Map(rows.map((row) => [row.rowKey, row])).values()];
    for (const chunk of statementChunks(unique)) {
      const s = new Statement();
      const selects = chunk.map((row) => {
        const key = s.string(row.rowKey);
        const date = s.date(row.game_date);
        return `SELECT ${values(s, row, key, date)}, CURRENT_TIMESTAMP()
          FROM UNNEST([1])
          WHERE NOT EXISTS (SELECT 1 FROM ${target} WHERE game_date = ${date} AND row_key = ${key})`;
      });
      await run(s, `INSERT INTO ${target} (${columns})\n${selects.join('\nUNION ALL\n')}`, describe(chunk));
    }
  }

  const recordExecutionLogRows = async (rows: ExecutionLogRow[]): Promise<void> => {
    for (const row of rows) validateExecutionLogRow(row);
    await insertAbsentRows(
      PHASE_EXECUTION_LOG_TABLE,
      `row_key, execution_timestamp, phase_name, game_date, correlation_id, start_time, duration_seconds, games_processed,
        status, metadata, created_at`,
      rows,
      (s, row, key, date) => `${key}, ${s.timestamp(row.execution_timestamp)}, ${s.string(row.phase_name)}, ${date},
        ${s.string(row.correlation_id)}, ${s.timestamp(row.start_time)}, ${s.float(row.duration_seconds)},
        ${s.int(row.games_processed)}, ${s.string(row.status)}, ${s.json(row.metadata)}`,
      (chunk) => `${chunk.length} phase_execution_log row(s) for ${chunk[0]!.game_date} (${chunk.map((r) => `${r.phase_name} ${r.status}`).join(', ')})`,
    );
    for (const row of rows) log.info('Execution log row recorded', { game_date: row.game_date, transition: row.phase_name, correlation_id: row.correlation_id, status: row.status });
  };

  const upsertCompletionStatuses = async (rows: CompletionStatusRow[]): Promise<void> => {
    for (const row of rows) validateStatusRow(row);
    const target = table(PHASE_COMPLETION_STATUS_TABLE);
    for (const chunk of statementChunks(rows)) {
      const s = new Statement();
      const upserts = chunk.map((row) => {
        const phase = s.string(row.phase);
        const date = s.date(row.game_date);
        const triggered = s.bool(row.is_triggered);
        const triggeredAt = s.timestamp(row.triggered_at);
        const reason = s.string(row.trigger_reason);
        const completed = s.array(row.completed_processors);
        const missing = s.array(row.missing_processors);
        const mode = s.string(row.mode);
        const first = s.timestamp(row.first_completion_at);
        const last = s.timestamp(row.last_completion_at);
        const completedCount = s.int(row.completed_count);
        const expectedCount = s.int(row.expected_count);
        // UPDATE then INSERT-if-absent: an upsert without MERGE (which the emulator lacks for a non-table
        // source). The UPDATE never un-triggers a date and ignores an input older than the stored row (a late
        // retry), judged by last_completion_at.
        return `UPDATE ${target} T SET
            completed_count = ${completedCount},
            expected_count = ${expectedCount},
            completed_processors = ${completed},
            missing_processors = ${missing},
            trigger_reason = CASE WHEN T.is_triggered AND NOT ${triggered} THEN T.trigger_reason ELSE ${reason} END,
            triggered_at = CASE WHEN T.is_triggered AND NOT ${triggered} THEN T.triggered_at ELSE ${triggeredAt} END,
            is_triggered = COALESCE(T.is_triggered, FALSE) OR ${triggered},
            mode = ${mode},
            first_completion_at = CASE
              WHEN T.first_completion_at IS NULL THEN ${first}
              WHEN ${first} IS NULL THEN T.first_completion_at
              ELSE LEAST(T.first_completion_at, ${first}) END,
            last_completion_at = ${last},
            updated_at = CURRENT_TIMESTAMP()
          WHERE T.phase = ${phase} AND T.game_date = ${date}
            AND (T.last_completion_at IS NULL OR ${last} IS NULL OR T.last_completion_at <= ${last});
          INSERT INTO ${target} (phase, game_date, completed_count, expected_count, completed_processors, missing_processors,
              is_triggered, triggered_at, trigger_reason, mode, first_completion_at, last_completion_at, updated_at)
            SELECT ${phase}, ${date}, ${completedCount}, ${expectedCount}, ${completed}, ${missing},
              ${triggered}, ${triggeredAt}, ${reason}, ${mode}, ${first}, ${last}, CURRENT_TIMESTAMP()
            FROM UNNEST([1])
            WHERE NOT EXISTS (SELECT 1 FROM ${target} WHERE phase = ${phase} AND game_date = ${date});`;
      });
      const where = `the phase_completion_status row(s) for ${chunk[0]!.game_date} (${chunk.map((r) => r.phase).join(', ')})`;
      await run(s, `BEGIN TRANSACTION;\n${upserts.join('\n')}\nCOMMIT TRANSACTION;`, where);
    }
    for (const row of rows) log.info('Completion status upserted', { game_date: row.game_date, phase: row.phase, triggered: row.is_triggered });
  };

  return {
    async recordCompletionRows(rows: CompletionRow[]): Promise<void> {
      for (const row of rows) validateCompletionRow(row);
      await insertAbsentRows(
        PHASE_COMPLETIONS_TABLE,
        `row_key, phase, game_date, processor_name, status, record_count, correlation_id, execution_id, completed_at,
          is_incremental, entities_changed, metadata, inserted_at`,
        rows,
        (s, row, key, date) => `${key}, ${s.string(row.phase)}, ${date}, ${s.string(row.processor_name)}, ${s.string(row.status)},
          ${s.int(row.record_count)}, ${s.string(row.correlation_id)}, ${s.string(row.execution_id)},
          ${s.timestamp(row.completed_at)}, ${s.bool(row.is_incremental)}, ${s.array(row.entities_changed)}, ${s.json(row.metadata)}`,
        (chunk) => `${chunk.length} phase_completions row(s) for ${chunk[0]!.game_date} (${chunk[0]!.phase})`,
      );
      if (rows.length > 0) log.info('Completion rows recorded', { rows: rows.length, game_date: rows[0]!.game_date });
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
  errors?: { reason?: string; message?: string }[];
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
  const reasons = (shape.errors ?? []).map((e) => e.reason ?? '');
  const detail = errorSummary(err);
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
        `Cannot write ${where}: permission denied on dataset ${datasetId} (${detail}). Grant the worker roles/bigquery.dataEditor and roles/bigquery.jobUser.`,
        NonRetryableActivityErrors.bigQueryPermissionDenied,
      );
    }
    if (status === 400 || reasons.includes('invalid') || reasons.includes('invalidQuery') || invalidByMessage) {
      return ApplicationFailure.nonRetryable(
        `Cannot write ${where}: BigQuery refused the statement (${detail}). Check the table schema against activities/bigquery-schema.ts.`,
        NonRetryableActivityErrors.bigQueryRowInvalid,
      );
    }
  }
  return ApplicationFailure.retryable(
    `BigQuery unavailable while writing ${where}: ${detail}. Will retry; the workflow keeps the row until it lands.`,
    RetryableActivityErrors.bigQueryUnavailable,
  );
}
