/**
 * Live dates before a backfill's. Temporal dispatches the tasks waiting on a task queue in the order of their
 * priority key (1 first), and a workflow's activities inherit its key: a date started with the backlog's key
 * never holds a live date's workflow task, trigger or write behind it, however many backlog tasks wait.
 */
import { calendarDateIn } from './game-date-mode';

export const LIVE_DATE_PRIORITY = 2;
export const BACKLOG_DATE_PRIORITY = 4;

/** Whether a date started with this key is part of a backfill (its own task queue, longer write windows). */
export function isBacklogPriority(priorityKey: number): boolean {
  return priorityKey >= BACKLOG_DATE_PRIORITY;
}

/** Default age, in days before today, from which a date is backlog: today and last night's dates are live. */
export const DEFAULT_BACKLOG_AGE_DAYS = 2;

function daysBetween(earlier: string, later: string): number {
  return Math.round((Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / 86_400_000);
}

/** The priority key a date's workflow starts with: backlog when it is `backlogAgeDays` or more before today. */
export function datePriorityKey(gameDate: string, now: number, timeZone: string, backlogAgeDays = DEFAULT_BACKLOG_AGE_DAYS): number {
  return daysBetween(gameDate, calendarDateIn(timeZone, now)) >= backlogAgeDays ? BACKLOG_DATE_PRIORITY : LIVE_DATE_PRIORITY;
}
