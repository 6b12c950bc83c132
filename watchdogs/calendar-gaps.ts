/**
 * Which past dates of the planning calendar `phase_execution_log` knows nothing about, for the whole calendar
 * (every season still in the calendar, not only the planner's window), in one BigQuery query per run:
 * a BigQuery calendar is joined with the log in the same query; a file calendar's dates travel as one array
 * parameter. Reconciliation then leaves out the dates that have a workflow.
 *
 * A log row counts for the pipeline when its `row_key` starts with `<pipeline>:` (every row this orchestrator
 * writes) or has no `row_key` (rows written before it existed: the date was processed then).
 */
import type { BigQuery, Query } from '@google-cloud/bigquery';
import { PHASE_EXECUTION_LOG_TABLE } from '../activities/bigquery-schema';
import { addDays, calendarDates, type LoadedPlanning } from './planning';

export interface CalendarCoverage {
  /** Calendar dates before `before`. */
  dates: number;
  /** Those of them without any `phase_execution_log` row of the pipeline, sorted. */
  unlogged: string[];
  /** The calendar, for messages: `bigquery nba_raw.nbac_schedule` or `file nba-schedule.json`. */
  source: string;
}

export interface CoverageOptions {
  /** Dates strictly before this one (today in the pipeline's time zone) are checked. */
  before: string;
  pipeline: string;
  datasetId: string;
}

const FIRST_DATE = '0001-01-01';

export async function calendarCoverage(planning: LoadedPlanning, options: CoverageOptions, bigquery: BigQuery): Promise<CalendarCoverage> {
  const calendar = planning.config.calendar;
  const log = `\`${options.datasetId}.${PHASE_EXECUTION_LOG_TABLE}\``;
  const ours = `(row_key IS NULL OR STARTS_WITH(row_key, @prefix))`;
  const prefix = `${options.pipeline}:`;
  if (calendar.kind === 'file') {
    const dates = await calendarDates(planning, { from: FIRST_DATE, to: addDays(options.before, -1) });
    const source = `file ${calendar.path}`;
    if (dates.length === 0) return { dates: 0, unlogged: [], source };
    // The range bound keeps partition pruning on game_date.
    const [rows] = await bigquery.query({
      query: `SELECT DISTINCT CAST(game_date AS STRING) AS game_date FROM ${log}
        WHERE game_date BETWEEN CAST(@first AS DATE) AND CAST(@last AS DATE) AND CAST(game_date AS STRING) IN UNNEST(@dates) AND ${ours}`,
      params: { first: dates[0], last: dates[dates.length - 1], dates, prefix },
      types: { first: 'STRING', last: 'STRING', dates: ['STRING'], prefix: 'STRING' },
    } as Query);
    const logged = new Set((rows as { game_date: string }[]).map((r) => r.game_date));
    return { dates: dates.length, unlogged: dates.filter((d) => !logged.has(d)), source };
  }
  // Identifiers come from the validated definition; values travel as parameters.
  const [rows] = await bigquery.query({
    query: `WITH calendar AS (
        SELECT DISTINCT CAST(${calendar.dateColumn} AS STRING) AS game_date FROM \`${calendar.dataset}.${calendar.table}\`
        WHERE ${calendar.dateColumn} < CAST(@before AS DATE)
      ), logged AS (
        SELECT DISTINCT CAST(game_date AS STRING) AS game_date FROM ${log} WHERE game_date < CAST(@before AS DATE) AND ${ours}
      )
      SELECT calendar.game_date AS game_date, logged.game_date IS NOT NULL AS logged
      FROM calendar LEFT JOIN logged ON calendar.game_date = logged.game_date`,
    params: { before: options.before, prefix },
    types: { before: 'STRING', prefix: 'STRING' },
  } as Query);
  const all = rows as { game_date: string; logged: boolean }[];
  return {
    dates: all.length,
    unlogged: all.filter((r) => !r.logged).map((r) => r.game_date).sort(),
    source: `bigquery ${calendar.dataset}.${calendar.table}`,
  };
}
