/**
 * The local stack's schedule table: the BigQuery calendar the default definition plans from
 * (`planning.calendar` of `pipelines/nba.json`, `nba_raw.nbac_schedule`), created on the emulator with a small
 * season of made-up games, so the planner plans something on `npm start` without real data.
 *
 * The season starts on the day the stack starts and runs two weeks ahead (no past dates: a fresh stack would
 * otherwise raise "nothing arrived" and unrecorded-date alerts for days nobody could have sent anything for).
 * Whether a day has games depends on the date alone, so seeding again (another start, another day) adds only
 * the games still missing and never changes a date that was seeded before.
 */
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { calendarDateIn } from '../contract/game-date-mode';
import { DEFAULT_PIPELINE_DEFINITION_PATH, loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { addDays, loadPlanning } from '../watchdogs/planning';

export const SEED_DAYS_AHEAD = 13;

export const SCHEDULE_TABLE_SCHEMA = (dateColumn: string): TableField[] => [
  { name: 'game_id', type: 'STRING' },
  { name: dateColumn, type: 'DATE' },
  { name: 'season_year', type: 'INT64' },
  { name: 'home_team_tricode', type: 'STRING' },
  { name: 'away_team_tricode', type: 'STRING' },
];

const TEAMS = ['ATL', 'BOS', 'BKN', 'CHA', 'CHI', 'CLE', 'DAL', 'DEN', 'DET', 'GSW', 'HOU', 'IND', 'LAC', 'LAL', 'MEM', 'MIA', 'MIL', 'MIN', 'NOP', 'NYK', 'OKC', 'ORL', 'PHI', 'PHX', 'POR', 'SAC', 'SAS', 'TOR', 'UTA', 'WAS'];

function epochDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** One weekday in seven has no games, like the real schedule's off days (the planner must skip them). */
export function isSeededGameDay(date: string): boolean {
  return epochDay(date) % 7 !== 3;
}

export interface SeedGame {
  game_id: string;
  game_date: string;
  season_year: number;
  home_team_tricode: string;
  away_team_tricode: string;
}

/** The games of the seeded season for a stack started on `today` (pipeline time zone). */
export function seededGames(today: string): SeedGame[] {
  const games: SeedGame[] = [];
  for (let i = 0; i <= SEED_DAYS_AHEAD; i++) {
    const date = addDays(today, i);
    if (!isSeededGameDay(date)) continue;
    const day = epochDay(date);
    const [y, m] = date.split('-').map(Number) as [number, number];
    for (let slot = 0; slot < 3; slot++) {
      const home = TEAMS[(day * 7 + slot * 2) % TEAMS.length] as string;
      const away = TEAMS[(day * 7 + slot * 2 + 1) % TEAMS.length] as string;
      games.push({ game_id: `${date.replace(/-/g, '')}/${away}${home}`, game_date: date, season_year: m >= 8 ? y : y - 1, home_team_tricode: home, away_team_tricode: away });
    }
  }
  return games;
}

/**
 * Creates the definition's BigQuery calendar table when absent and inserts the seeded games it lacks.
 * Does nothing when the definition plans from a file, or plans nothing.
 */
export async function ensureSeededSchedule(bigquery: BigQuery, options: { definitionPath?: string; now?: number } = {}): Promise<{ table: string; inserted: number } | null> {
  const definitionPath = options.definitionPath ?? process.env.PIPELINE_DEFINITION ?? DEFAULT_PIPELINE_DEFINITION_PATH;
  const definition = loadPipelineDefinition(definitionPath);
  const calendar = loadPlanning(definitionPath, definition)?.config.calendar;
  if (calendar?.kind !== 'bigquery') return null;
  const dataset = bigquery.dataset(calendar.dataset);
  if (!(await dataset.exists())[0]) await ignoreExisting(() => dataset.create());
  const table = dataset.table(calendar.table);
  if (!(await table.exists())[0]) await ignoreExisting(() => dataset.createTable(calendar.table, { schema: { fields: SCHEDULE_TABLE_SCHEMA(calendar.dateColumn) } }));
  const games = seededGames(calendarDateIn(definition.timeZone, options.now ?? Date.now()));
  const [rows] = await bigquery.query({
    query: `SELECT game_id FROM \`${calendar.dataset}.${calendar.table}\` WHERE game_id IN UNNEST(@ids)`,
    params: { ids: games.map((g) => g.game_id) },
    types: { ids: ['STRING'] },
  });
  const have = new Set((rows as { game_id: string }[]).map((r) => r.game_id));
  const missing = games.filter((g) => !have.has(g.game_id)).map(({ game_date, ...rest }) => ({ ...rest, [calendar.dateColumn]: game_date }));
  if (missing.length > 0) await table.insert(missing);
  return { table: `${calendar.dataset}.${calendar.table}`, inserted: missing.length };
}

/** Two processes may seed at once; the loser of that race sees 409 and is fine. */
async function ignoreExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}
