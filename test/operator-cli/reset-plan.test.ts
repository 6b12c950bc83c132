/** Where `reset` takes a date back to, and what it says a reset there replays (hand-made histories). */
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { resetEvent, resetPlan } from '../../operator-cli/reset-plan';

type Event = temporal.api.history.v1.IHistoryEvent;

/** Event types by their `temporal.api.enums.v1.EventType` number. */
const T = { started: 1, failedRun: 3, taskScheduled: 5, taskStarted: 6, taskCompleted: 7, taskFailed: 9, activity: 10, timer: 17, signal: 26, update: 41 } as const;

function history(...kinds: (keyof typeof T | `signal:${string}` | `activity:${string}`)[]): Event[] {
  return kinds.map<Event>((kind, index) => {
    const [type, name] = kind.split(':') as [keyof typeof T, string | undefined];
    // Fetched histories carry Long ids; the plan reads them through their string form.
    const event = { eventId: index + 1, eventType: T[type] } as unknown as Event;
    if (type === 'signal') event.workflowExecutionSignaledEventAttributes = { signalName: name };
    if (type === 'activity') event.activityTaskScheduledEventAttributes = { activityType: { name } };
    return event;
  });
}

const task = ['taskScheduled', 'taskStarted', 'taskCompleted'] as const;

describe('reset points', () => {
  const run = history('started', ...task, 'activity:loadPreviousRunState', 'signal:completion', ...task, 'activity:publishTrigger', 'timer', 'signal:completion', ...task, 'activity:writeDateRecords', 'update', 'signal:completion');

  it('last-completion is the workflow task that handled the last handled completion, and counts what follows it', () => {
    // The last signal (event 18) has no task after it yet: the one before it (event 12) is the last handled.
    assert.throws(() => resetEvent(history('started', ...task, 'signal:completion'), 'last-completion'), /has been handled/);
    const plan = resetPlan(run, 'last-completion');
    assert.deepEqual(plan, { point: 'last-completion', eventId: 15, eventsAfter: 3, signals: { completion: 1 }, activities: { writeDateRecords: 1 }, timers: 0, updates: 1 });
  });

  it('start is the first workflow task: everything after it is replayed', () => {
    const plan = resetPlan(run, 'start');
    assert.equal(plan.eventId, 4);
    assert.deepEqual(plan.signals, { completion: 3 });
    assert.deepEqual(plan.activities, { loadPreviousRunState: 1, publishTrigger: 1, writeDateRecords: 1 });
    assert.equal(plan.timers, 1);
  });

  it('first-failed-task is the first failed workflow task, or the task that failed the run', () => {
    const failing = history('started', ...task, 'signal:completion', 'taskScheduled', 'taskStarted', 'taskFailed', 'taskScheduled', 'taskStarted', 'taskFailed');
    assert.equal(resetEvent(failing, 'first-failed-task').eventId, 8);
    const failedRun = history('started', ...task, 'signal:completion', ...task, 'failedRun');
    assert.equal(resetEvent(failedRun, 'first-failed-task').eventId, 8);
    assert.throws(() => resetEvent(run, 'first-failed-task'), /no workflow task of this run failed/);
  });
});
