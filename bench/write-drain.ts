/**
 * How long the backlog's writes take to land after its last trigger: the paced run starts as soon as the
 * triggers have arrived, so a live date's latency is measured while these writes still run. "Landed" is every
 * completion of the season (one per run: a duplicate delivery shares its original's row) visible once in the
 * `phase_completions_unique` view; a writer pass writes a date's log and status rows with its completions.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { PHASE_COMPLETIONS_TABLE, PHASE_COMPLETIONS_VIEW } from '../activities/bigquery-schema';
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
  const count = (relation: string) => ({
    query: `SELECT COUNT(*) AS n FROM \`${endpoints.bigqueryDataset}.${relation}\` WHERE game_date BETWEEN CAST(@first AS DATE) AND CAST(@last AS DATE)`,
    params: { first: season.dates[0], last: season.dates[season.dates.length - 1] },
  });
  // The probe shares the machine with the paced run it overlaps. On the emulator, counting 20,000 rows through the
  // view's deduplication costs about 0.55 s of CPU, a plain count of the table 0.1 s: so the table is counted every
  // poll, and the view only once the table holds enough rows (a retried write may append a row twice; the view tells).
  const rowsIn = async (relation: string, fallback: number) => {
    const [rows] = await bigquery.query(count(relation)).catch(() => [[{ n: fallback }]]);
    return Number((rows as { n: number }[])[0]?.n ?? 0);
  };
  const deadline = Date.now() + timeoutMs;
  let landedRows = 0;
  for (;;) {
    const timedOut = Date.now() > deadline;
    if (timedOut || (await rowsIn(PHASE_COMPLETIONS_TABLE, 0)) >= expectedRows) landedRows = await rowsIn(PHASE_COMPLETIONS_VIEW, landedRows);
    if (landedRows >= expectedRows) return { expectedRows, landedRows, seconds: Math.max(0, (Date.now() - lastTriggerAt) / 1000) };
    if (timedOut) return { expectedRows, landedRows, seconds: null };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
