/**
 * Which dates the pipeline expects, and by when each transition should hear its first completion. Read from
 * the optional `planning` block of the pipeline definition file (the core definition schema ignores it):
 *
 * ```json
 * "planning": {
 *   "season": { "start": "2025-10-21", "end": "2026-06-20" },
 *   "calendar": { "kind": "file", "path": "nba-schedule-2025-26.json" },
 *   "leadDays": 1, "lookbackDays": 2,
 *   "expectations": { "phase2_to_phase3": { "dayOffset": 1, "localTime": "06:00" } }
 * }
 * ```
 * A file calendar is a JSON list of `YYYY-MM-DD` strings (or `{ "dates": [...] }`), its path relative to the
 * definition file. A BigQuery calendar reads `dateColumn` of `dataset.table` with a parameterised date range.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { BigQuery } from '@google-cloud/bigquery';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { isCalendarDate } from '../contract/completion-fields';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import type { PlannedExpectation } from '../workflows/game-date/messages';

const calendarDate = z.string().refine(isCalendarDate, 'must be a YYYY-MM-DD calendar date');
const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain BigQuery identifier');

export const planningSchema = z.object({
  season: z.object({ start: calendarDate, end: calendarDate }).refine((s) => s.start <= s.end, 'season.start must not be after season.end'),
  calendar: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), path: z.string().min(1) }),
    z.object({ kind: z.literal('bigquery'), dataset: sqlName, table: sqlName, dateColumn: sqlName.default('game_date') }),
  ]),
  /** Start a date's workflow this many days before the date. */
  leadDays: z.number().int().min(0).max(14).default(1),
  /** Also start dates this many days back (a planner that was down catches up). */
  lookbackDays: z.number().int().min(0).max(30).default(2),
  /** Per transition: the first completion is expected by `localTime` (pipeline time zone) on game date + `dayOffset`. */
  expectations: z.record(z.string(), z.object({ dayOffset: z.number().int().min(-3).max(7), localTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be HH:MM or HH:MM:SS') })),
});

export type PlanningConfig = z.infer<typeof planningSchema>;

export interface LoadedPlanning {
  config: PlanningConfig;
  /** Folder of the definition file: file calendars are relative to it. */
  baseDir: string;
}

/** The `planning` block of a definition file, or null when the pipeline plans no dates. */
export function loadPlanning(definitionPath: string, definition: PipelineDefinition): LoadedPlanning | null {
  const raw = (JSON.parse(readFileSync(definitionPath, 'utf8')) as { planning?: unknown }).planning;
  if (raw === undefined) return null;
  return { config: parsePlanning(raw, definition, definitionPath), baseDir: dirname(definitionPath) };
}

export function parsePlanning(raw: unknown, definition: PipelineDefinition, source = 'planning'): PlanningConfig {
  const result = planningSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid planning block in ${source}:\n  ${result.error.issues.map((i) => `planning.${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const unknown = Object.keys(result.data.expectations).filter((name) => !definition.transitions.some((t) => t.name === name));
  if (unknown.length) throw new Error(`Invalid planning block in ${source}: expectations name unknown transitions ${unknown.join(', ')}`);
  return result.data;
}

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The epoch ms of a wall-clock time in a time zone (DST-correct to the minute). */
export function zonedTimeToEpoch(date: string, localTime: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss = 0] = localTime.split(':').map(Number) as [number, number, number?];
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss);
  let guess = wall;
  // Two passes settle the offset even across a DST change.
  for (let i = 0; i < 2; i++) guess = wall - zoneOffsetMs(guess, timeZone);
  return guess;
}

function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

export function plannedExpectations(config: PlanningConfig, definition: PipelineDefinition, gameDate: string): PlannedExpectation[] {
  return Object.entries(config.expectations).map(([transition, e]) => ({
    transition,
    expectedBy: zonedTimeToEpoch(addDays(gameDate, e.dayOffset), e.localTime, definition.timeZone),
  }));
}

/** The window of dates the planner looks at today: [today − lookback, today + lead] within the season. */
export function planningWindow(config: PlanningConfig, today: string): { from: string; to: string } | null {
  const from = [addDays(today, -config.lookbackDays), config.season.start].sort()[1] as string;
  const to = [addDays(today, config.leadDays), config.season.end].sort()[0] as string;
  return from <= to ? { from, to } : null;
}

/** Game dates of the calendar between `from` and `to` (inclusive), sorted and unique. */
export async function calendarDates(planning: LoadedPlanning, range: { from: string; to: string }, bigquery?: BigQuery): Promise<string[]> {
  const calendar = planning.config.calendar;
  let dates: string[];
  if (calendar.kind === 'file') {
    const path = resolve(planning.baseDir, calendar.path);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch (error) {
      // A missing or malformed calendar needs a person, not retries.
      throw ApplicationFailure.nonRetryable(`Cannot read the planning calendar ${calendar.path}: ${(error as Error).message}`, 'PlanningCalendarUnreadable');
    }
    const list = Array.isArray(raw) ? raw : (raw as { dates?: unknown }).dates;
    if (!Array.isArray(list)) throw ApplicationFailure.nonRetryable(`Calendar file ${calendar.path} must hold a JSON list of YYYY-MM-DD dates (or {"dates": [...]})`, 'PlanningCalendarInvalid');
    const bad = list.filter((d) => typeof d !== 'string' || !isCalendarDate(d));
    if (bad.length) {
      throw ApplicationFailure.nonRetryable(`Calendar file ${calendar.path} has ${bad.length} entries that are not YYYY-MM-DD dates, e.g. ${JSON.stringify(bad[0])}`, 'PlanningCalendarInvalid');
    }
    dates = (list as string[]).filter((d) => d >= range.from && d <= range.to);
  } else {
    if (!bigquery) throw new Error('The planning calendar is a BigQuery table, but no BigQuery client was given to the planner');
    // Identifiers come from the validated definition; the date range travels as parameters.
    const [rows] = await bigquery.query({
      query: `SELECT DISTINCT CAST(${calendar.dateColumn} AS STRING) AS game_date FROM \`${calendar.dataset}.${calendar.table}\`
        WHERE ${calendar.dateColumn} BETWEEN CAST(@from AS DATE) AND CAST(@to AS DATE)`,
      params: { from: range.from, to: range.to },
      types: { from: 'STRING', to: 'STRING' },
    });
    dates = (rows as { game_date: string }[]).map((r) => r.game_date);
  }
  return [...new Set(dates)].sort();
}
