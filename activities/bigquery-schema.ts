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
  // Idempotency key chosen by the workflow: a retried insert finds its row and writes nothing.
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
  // Idempotency key chosen by the workflow: a retried insert finds its row and writes nothing.
  { name: 'row_key', type: 'STRING' },
];

/** One row per (phase, game_date), rewritten as the date progresses. */
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
  [PHASE_COMPLETION_STATUS_TABLE]: {
    schema: { fields: PHASE_COMPLETION_STATUS_SCHEMA },
  },
};

/**
 * Creates the dataset and the three tables when absent. Existing tables only gain the columns they lack
 * (always NULLABLE or REPEATED, which BigQuery allows adding); nothing is dropped or retyped.
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
}

/** Two processes may ensure the schema at once; the loser of that race sees 409 and is fine. */
async function createIgnoringExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}
