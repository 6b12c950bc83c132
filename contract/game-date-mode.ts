/** Phase 3→4 mode: the game date against "today" in the pipeline's time zone when a completion arrives. */

import { dateTimeFormatIn } from './time-zone-formats';

export type GameDateMode = 'overnight' | 'same_day' | 'tomorrow';

/** `YYYY-MM-DD` of an instant in a time zone (`en-CA` formats dates as ISO). */
export function calendarDateIn(timeZone: string, at: number): string {
  return dateTimeFormatIn(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function gameDateMode(gameDate: string, receivedAt: number, timeZone: string): GameDateMode {
  const today = calendarDateIn(timeZone, receivedAt);
  if (gameDate < today) return 'overnight';
  return gameDate === today ? 'same_day' : 'tomorrow';
}
