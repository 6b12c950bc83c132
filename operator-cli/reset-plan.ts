/**
 * Where `reset` may take a date's run back to, and what a reset there re-runs. Pure: it reads a fetched history,
 * so the points are tested on hand-made events. A reset point is a workflow task's finishing event: Temporal
 * drops everything after that task's start and runs the task again on the current code (docs/orchestration.md).
 */
import type { temporal } from '@temporalio/proto';
import { COMPLETION_SIGNAL_NAMES } from '../workflows/game-date/messages';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** `temporal.api.enums.v1.EventType` values (the proto package is not a production dependency). */
const EVENT = {
  workflowExecutionFailed: 3,
  workflowTaskCompleted: 7,
  workflowTaskFailed: 9,
  activityTaskScheduled: 10,
  timerStarted: 17,
  workflowExecutionSignaled: 26,
  updateAccepted: 41,
} as const;

export const RESET_POINTS = ['first-failed-task', 'last-completion', 'start'] as const;
export type ResetPoint = (typeof RESET_POINTS)[number];

export const RESET_POINT_HELP: Record<ResetPoint, string> = {
  'first-failed-task': 'the first workflow task that failed, or the task that failed the run (a bug or a non-determinism error fixed since)',
  'last-completion': 'the workflow task that handled the last completion signal (its decisions are made again)',
  start: "the run's first workflow task (everything is decided again; the completion signals are re-applied)",
};

export interface ResetPlan {
  point: ResetPoint;
  /** The finishing event of the workflow task to run again (what ResetWorkflowExecution is given). */
  eventId: number;
  eventsAfter: number;
  /** Re-applied by the reset (ResetReapplyType signal). */
  signals: Record<string, number>;
  /** Scheduled again if the new code decides so (a trigger publishes with the same trigger id). */
  activities: Record<string, number>;
  timers: number;
  /** Operator commands after the point are not re-applied: send them again if still wanted. */
  updates: number;
}

/** The event's type as a plain number (the proto enum is not imported here). */
function typeOf(event: HistoryEvent): number {
  return Number(event.eventType ?? 0);
}

export function eventNumber(event: HistoryEvent): number {
  return Number(String(event.eventId ?? 0));
}

function taskCompletedAfter(events: HistoryEvent[], index: number): HistoryEvent | undefined {
  return events.slice(index + 1).find((e) => typeOf(e) === EVENT.workflowTaskCompleted);
}

function lastIndex(events: HistoryEvent[], predicate: (e: HistoryEvent) => boolean): number {
  for (let i = events.length - 1; i >= 0; i--) if (predicate(events[i]!)) return i;
  return -1;
}

/** The finishing event of the workflow task to run again; throws a sentence when the history has no such point. */
export function resetEvent(events: HistoryEvent[], point: ResetPoint): HistoryEvent {
  if (point === 'start') {
    const first = events.find((e) => typeOf(e) === EVENT.workflowTaskCompleted);
    if (!first) throw new Error('the run has not completed a workflow task yet: there is nothing to reset');
    return first;
  }
  if (point === 'first-failed-task') {
    const failedTask = events.find((e) => typeOf(e) === EVENT.workflowTaskFailed);
    if (failedTask) return failedTask;
    // This project fails the run instead of retrying a broken task (worker/workflow-failure-policy.ts): the
    // task that failed it is the one to run again.
    const failedRun = lastIndex(events, (e) => typeOf(e) === EVENT.workflowExecutionFailed);
    const failingTask = failedRun > 0 ? lastIndex(events.slice(0, failedRun), (e) => typeOf(e) === EVENT.workflowTaskCompleted) : -1;
    if (failingTask >= 0) return events[failingTask]!;
    throw new Error('no workflow task of this run failed, and the run did not fail: use --to last-completion or start');
  }
  // The latest completion a workflow task has handled (one that arrived during the last task waits for the next).
  let signals = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (typeOf(e) !== EVENT.workflowExecutionSignaled || !COMPLETION_SIGNAL_NAMES.includes(e.workflowExecutionSignaledEventAttributes?.signalName ?? '')) continue;
    signals += 1;
    const completed = taskCompletedAfter(events, i);
    if (completed) return completed;
  }
  throw new Error(signals ? 'no completion of this run has been handled by a workflow task yet' : 'this run has received no completion signal');
}

export function resetPlan(events: HistoryEvent[], point: ResetPoint): ResetPlan {
  const target = resetEvent(events, point);
  const after = events.filter((e) => eventNumber(e) > eventNumber(target));
  const count = (names: string[]) => names.reduce<Record<string, number>>((acc, name) => ({ ...acc, [name]: (acc[name] ?? 0) + 1 }), {});
  return {
    point,
    eventId: eventNumber(target),
    eventsAfter: after.length,
    signals: count(after.filter((e) => typeOf(e) === EVENT.workflowExecutionSignaled).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? '?')),
    activities: count(after.filter((e) => typeOf(e) === EVENT.activityTaskScheduled).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?')),
    timers: after.filter((e) => typeOf(e) === EVENT.timerStarted).length,
    updates: after.filter((e) => typeOf(e) === EVENT.updateAccepted).length,
  };
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length ? entries.map(([name, n]) => `${n} ${name}`).join(', ') : 'none';
}

export function describePlan(plan: ResetPlan, workflowId: string, runId: string): string {
  return [
    `reset ${workflowId} (run ${runId}) to event ${plan.eventId} (${plan.point}); ${plan.eventsAfter} event(s) after it are replayed:`,
    `  signals re-applied: ${counts(plan.signals)}`,
    `  activities decided again: ${counts(plan.activities)}`,
    `  timers started again: ${plan.timers}`,
    `  operator commands dropped (send them again): ${plan.updates}`,
  ].join('\n');
}
