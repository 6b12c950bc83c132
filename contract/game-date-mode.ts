/** Phase 3→4 mode: the game date against "today" in the pipeline's time zone when a completion arrives. */

export type GameDateMode = 'overnight' | 'same_day' | 'tomorrow';

const calendarDateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * `YYYY-MM-DD` of an instant in a time zone (`en-CA` formats dates as ISO). One formatter per time zone: creating
 * one costs far more than formatting with it, and the bridge asks for every message, a workflow for every completion.
 */
export function calendarDateIn(timeZone: string, at: number): string {
  let format = calendarDateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    calendarDateFormats.set(timeZone, format);
  }
  return format.format(at);
}

export function gameDateMode(gameDate: string, receivedAt: number, timeZone: string): GameDateMode {
  const today = calendarDateIn(timeZone, receivedAt);
  if (gameDate < today) return 'overnight';
  return gameDate === today ? 'same_day' : 'tomorrow';
}
