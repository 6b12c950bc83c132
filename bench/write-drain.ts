/**
 * How long the backlog's writes take to land after its last trigger: the paced run starts as soon as the
 * triggers have arrived, so a live date's latency is measured while these writes still run. "Landed" is every
 * completion of the season (one per run: a duplicate delivery shares its original's row) visible once in the
 * `phase_completions_unique` view; a writer pass writes a date's log and status rows with its completions.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { PHASE_COMPLETIONS_VIEW } from '../activities/bigquery-schema';
import type { StackEndpoints } from '../local-stack/stack-endpoints';
import type { Season } from './season';

export interface WriteDrain {
  /** Completion rows the season must leave. */
  expectedRows: number;
  /** Rows seen when the wait ended. */
  landedRows: number;
  /** Seconds from the last backlog trigger until every row had landed; null when the timeout ran out first. */
  seconds: number | null;
}

export async function waitForWritesDrained(endpoints: StackEndpoints, season: Season, lastTriggerAt: number, timeoutMs: number): Promise<WriteDrain> {
  const bigquery = new BigQuery({ projectId: endpoints.projectId, apiEndpoint: endpoints.bigqueryApiEndpoint });
  const expectedRows = new Set(season.messages.map((m) => m.body.execution_id)).size;
  const query = {
    query: `SELECT COUNT(*) AS n FROM \`${endpoints.bigqueryDataset}.${PHASE_COMPLETIONS_VIEW}\` WHERE game_date BETWEEN CAST(@first AS DATE) AND CAST(@last AS DATE)`,
    params: { first: season.dates[0], last: season.dates[season.dates.length - 1] },
  };
  const deadline = Date.now() + timeoutMs;
  let landedRows = 0;
  for (;;) {
    const [rows] = await bigquery.query(query).catch(() => [[{ n: landedRows }]]);
    landedRows = Number((rows as { n: number }[])[0]?.n ?? 0);
    if (landedRows >= expectedRows) return { expectedRows, landedRows, seconds: Math.max(0, (Date.now() - lastTriggerAt) / 1000) };
    if (Date.now() > deadline) return { expectedRows, landedRows, seconds: null };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
