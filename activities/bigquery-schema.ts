import type { BigQuery, TableField, TableMetadata } from '@google-cloud/bigquery';

/** BigQuery projections the rest of the pipeline reads (docs/contract.md §5.2). Keep names and types stable. */
export const DEFAULT_BIGQUERY_DATASET = 'nba_orchestration';

export const PHASE_EXECUTION_LOG_TABLE = 'phase_execution_log';
export const PHASE_COMPLETIONS_TABLE = 'phase_completions';
export const PHASE_COMPLETION_STATUS_TABLE = 'phase_completion_status';

/** One row per transition outcome. */
export const PHASE_EXECUTION_LOG_SCHEMA: TableField[] = [
  { name: 'execution_timestamp', type: 'TIMESTAMP' },
  { name: 'phase_name', type: 'STRING' },
  { name: 'game_date', type: 'DATE' },
  { name: 'correlation_id', type: 'STRING' },
  { name: 'start_time', type: 'TIMESTAMP' },
  { name: 'duration_seconds', type: 'FLOAT64' },
  { name: 'games_processed', type: 'INT64' },
  { name: 'status', type: 'STRING' },
  { name: 'metadata', type: 'JSON' },
  { name: 'created_at', type: 'TIMESTAMP' },
  // Idempotency key chosen by the workflow: a row appended twice (a retry) is shown once by the `_unique` view.
  { name: 'row_key', type: 'STRING' },
];

/** One row per received completion message (including ones that trigger nothing). */
export const PHASE_COMPLETIONS_SCHEMA: TableField[] = [
  { name: 'phase', type: 'STRING' },
  { name: 'game_date', type: 'DATE' },
  { name: 'processor_name', type: 'STRING' },
  { name: 'status', type: 'STRING' },
  { name: 'record_count', type: 'INT64' },
  { name: 'correlation_id', type: 'STRING' },
  { name: 'execution_id', type: 'STRING' },
  { name: 'completed_at', type: 'TIMESTAMP' },
  { name: 'is_incremental', type: 'BOOL' },
  { name: 'entities_changed', type: 'STRING', mode: 'REPEATED' },
  { name: 'metadata', type: 'JSON' },
  { name: 'inserted_at', type: 'TIMESTAMP' },
  // Idempotency key chosen by the workflow: a row appended twice (a retry) is shown once by the `_unique` view.
  { name: 'row_key', type: 'STRING' },
];

/** One row per (phase, game_date) in the `phase_completion_status` view; one per writer pass in its changes table. */
export const PHASE_COMPLETION_STATUS_SCHEMA: TableField[] = [
  { name: 'phase', type: 'STRING' },
  { name: 'game_date', type: 'DATE' },
  { name: 'completed_count', type: 'INT64' },
  { name: 'expected_count', type: 'INT64' },
  { name: 'completed_processors', type: 'STRING', mode: 'REPEATED' },
  { name: 'missing_processors', type: 'STRING', mode: 'REPEATED' },
  { name: 'is_triggered', type: 'BOOL' },
  { name: 'triggered_at', type: 'TIMESTAMP' },
  { name: 'trigger_reason', type: 'STRING' },
  { name: 'mode', type: 'STRING' },
  { name: 'first_completion_at', type: 'TIMESTAMP' },
  { name: 'last_completion_at', type: 'TIMESTAMP' },
  { name: 'updated_at', type: 'TIMESTAMP' },
];

/**
 * The status of a (transition, date) as changes: every writer pass appends the date's current counts, and
 * the `phase_completion_status` view folds them (a row never goes back to untriggered; the change with the
 * latest `last_completion_at` wins, so a late retry of an older pass changes nothing).
 */
export const PHASE_COMPLETION_STATUS_CHANGES_TABLE = 'phase_completion_status_changes';

/** Exactly-once views over the append-only tables, the names readers use (docs/contract.md §5.2). */
export const PHASE_EXECUTION_LOG_VIEW = 'phase_execution_log_unique';
export const PHASE_COMPLETIONS_VIEW = 'phase_completions_unique';

/** Table id → creation options; exported so a reconciler or test can walk every table. */
export const ORCHESTRATION_TABLES: Record<string, TableMetadata> = {
  [PHASE_EXECUTION_LOG_TABLE]: {
    schema: { fields: PHASE_EXECUTION_LOG_SCHEMA },
    timePartitioning: { type: 'DAY', field: 'game_date' },
  },
  [PHASE_COMPLETIONS_TABLE]: {
    schema: { fields: PHASE_COMPLETIONS_SCHEMA },
    timePartitioning: { type: 'DAY', field: 'game_date' },
  },
  [PHASE_COMPLETION_STATUS_CHANGES_TABLE]: {
    schema: { fields: PHASE_COMPLETION_STATUS_SCHEMA },
    timePartitioning: { type: 'DAY', field: 'game_date' },
  },
};

/** Columns of a schema as a SELECT list. */
function columns(schema: TableField[]): string {
  return schema.map((field) => field.name).join(', ');
}

/**
 * A row appended twice (a retry after a lost reply) is shown once: the first written. A row of an earlier
 * version without a key is always shown.
 */
function firstPerRowKey(datasetId: string, table: string, writtenAt: string): string {
  return `SELECT * FROM \`${datasetId}.${table}\`
  WHERE TRUE
  QUALIFY row_key IS NULL OR ROW_NUMBER() OVER (PARTITION BY game_date, row_key ORDER BY ${writtenAt}) = 1`;
}

/** The status row of each (phase, date) folded from its changes, with the columns the old table had. */
function foldedStatus(datasetId: string): string {
  const newestFirst = 'ORDER BY last_completion_at DESC, updated_at DESC';
  return `SELECT phase, game_date, latest.completed_count, latest.expected_count, latest.completed_processors,
    latest.missing_processors, is_triggered,
    IF(is_triggered, triggered.triggered_at, latest.triggered_at) AS triggered_at,
    IF(is_triggered, triggered.trigger_reason, latest.trigger_reason) AS trigger_reason,
    latest.mode, first_completion_at, latest.last_completion_at, updated_at
  FROM (
    SELECT phase, game_date,
      ARRAY_AGG(STRUCT(completed_count, expected_count, completed_processors, missing_processors, triggered_at,
        trigger_reason, mode, last_completion_at) ${newestFirst} LIMIT 1)[OFFSET(0)] AS latest,
      ARRAY_AGG(STRUCT(triggered_at, trigger_reason) ORDER BY is_triggered DESC, last_completion_at DESC, updated_at DESC LIMIT 1)[OFFSET(0)] AS triggered,
      COALESCE(LOGICAL_OR(is_triggered), FALSE) AS is_triggered,
      MIN(first_completion_at) AS first_completion_at,
      MAX(updated_at) AS updated_at
    FROM \`${datasetId}.${PHASE_COMPLETION_STATUS_CHANGES_TABLE}\`
    GROUP BY phase, game_date
  )`;
}

/** View id → its query, for a dataset. */
export function orchestrationViews(datasetId: string): Record<string, string> {
  return {
    [PHASE_EXECUTION_LOG_VIEW]: firstPerRowKey(datasetId, PHASE_EXECUTION_LOG_TABLE, 'created_at'),
    [PHASE_COMPLETIONS_VIEW]: firstPerRowKey(datasetId, PHASE_COMPLETIONS_TABLE, 'inserted_at'),
    [PHASE_COMPLETION_STATUS_TABLE]: foldedStatus(datasetId),
  };
}

/**
 * Creates the dataset, the append-only tables and the views when absent. Existing tables only gain the columns
 * they lack (always NULLABLE or REPEATED, which BigQuery allows adding); nothing is dropped or retyped, except
 * the one migration from the first versions: `phase_completion_status` was a table rewritten by DML; its rows
 * are copied into the changes table once, and the table is replaced by the view of the same name and columns.
 */
export async function ensureBigQuerySchema(bigquery: BigQuery, datasetId: string): Promise<void> {
  const dataset = bigquery.dataset(datasetId);
  const [datasetExists] = await dataset.exists();
  if (!datasetExists) await createIgnoringExisting(() => dataset.create());
  for (const [tableId, metadata] of Object.entries(ORCHESTRATION_TABLES)) {
    const table = dataset.table(tableId);
    const [tableExists] = await table.exists();
    if (!tableExists) {
      await createIgnoringExisting(() => dataset.createTable(tableId, metadata));
      continue;
    }
    const current = (await table.getMetadata())[0] as TableMetadata;
    const fields = current.schema?.fields ?? [];
    const have = new Set(fields.map((field) => field.name));
    const missing = (metadata.schema?.fields ?? []).filter((field) => field.name && !have.has(field.name));
    if (missing.length > 0) await table.setMetadata({ schema: { fields: [...fields, ...missing] } });
  }
  await migrateStatusTable(bigquery, datasetId);
  for (const [viewId, query] of Object.entries(orchestrationViews(datasetId))) {
    const view = dataset.table(viewId);
    const [viewExists] = await view.exists();
    if (!viewExists) {
      await createIgnoringExisting(() => dataset.createTable(viewId, { view: { query, useLegacySql: false } }));
      continue;
    }
    const current = (await view.getMetadata())[0] as TableMetadata;
    if (current.view?.query !== query) await view.setMetadata({ view: { query, useLegacySql: false } });
  }
}

/** Stop the workers of the earlier version first: they write the old table, which this replaces by a view. */
async function migrateStatusTable(bigquery: BigQuery, datasetId: string): Promise<void> {
  const old = bigquery.dataset(datasetId).table(PHASE_COMPLETION_STATUS_TABLE);
  const [exists] = await old.exists();
  if (!exists) return;
  const metadata = (await old.getMetadata())[0] as TableMetadata;
  if (metadata.type === 'VIEW' || metadata.view) return;
  const list = columns(PHASE_COMPLETION_STATUS_SCHEMA);
  // Copied by one statement, once: the only DML this version ever runs. Two processes migrating at once copy
  // twice, which the fold does not see (the same changes twice fold to the same row).
  const [job] = await bigquery.createQueryJob({
    query: `INSERT INTO \`${datasetId}.${PHASE_COMPLETION_STATUS_CHANGES_TABLE}\` (${list})
      SELECT ${list} FROM \`${datasetId}.${PHASE_COMPLETION_STATUS_TABLE}\``,
  });
  await job.getQueryResults();
  try {
    await old.delete();
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}
/** Two processes may ensure the schema at once; the loser of that race sees 409 and is fine. */
async function createIgnoringExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}
