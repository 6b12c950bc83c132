/**
 * Where a trigger's latency goes, read from the date's own history: for each publishTrigger activity, the
 * signal that preceded it, when the activity was scheduled, started and completed, and when the trigger
 * reached the bench. Medians and 99th percentiles over the sampled dates, in milliseconds: the tail of the total
 * latency is in one of these parts, or outside Temporal (Pub/Sub hops and the bridge) when none of them has it.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { gameDateWorkflowId } from '../workflows/game-date/messages';
import { latencySummary, type LatencySummary } from './latency';

const { EventType } = temporal.api.enums.v1;

export interface LatencyBreakdown {
  triggers: number;
  /** Signal accepted → publishTrigger scheduled (workflow task wait and run). */
  signalToScheduledMs: number | null;
  /** Scheduled → started (activity task queue wait). */
  scheduledToStartedMs: number | null;
  /** Started → completed (the publish itself). */
  startedToCompletedMs: number | null;
  /** The same parts' 99th percentiles. */
  p99: { signalToScheduledMs: number | null; scheduledToStartedMs: number | null; startedToCompletedMs: number | null };
}

function millis(time: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

export async function latencyBreakdown(client: Client, pipeline: string, dates: string[]): Promise<LatencyBreakdown> {
  const toScheduled: number[] = [];
  const toStarted: number[] = [];
  const toCompleted: number[] = [];
  for (const date of dates) {
    const history = await client.workflow.getHandle(gameDateWorkflowId(pipeline, date)).fetchHistory();
    const events = history.events ?? [];
    let lastSignal = 0;
    const scheduled = new Map<number, number>();
    const started = new Map<number, number>();
    for (const event of events) {
      const at = millis(event.eventTime);
      const id = Number(event.eventId);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) lastSignal = at;
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTrigger') {
        scheduled.set(id, at);
        toScheduled.push(at - lastSignal);
      }
      const startedOf = Number(event.activityTaskStartedEventAttributes?.scheduledEventId ?? 0);
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && scheduled.has(startedOf)) {
        started.set(startedOf, at);
        toStarted.push(at - scheduled.get(startedOf)!);
      }
      const completedOf = Number(event.activityTaskCompletedEventAttributes?.scheduledEventId ?? 0);
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && started.has(completedOf)) toCompleted.push(at - started.get(completedOf)!);
    }
  }
  const [scheduled, started, completed] = [toScheduled, toStarted, toCompleted].map(latencySummary) as [LatencySummary, LatencySummary, LatencySummary];
  return {
    triggers: toScheduled.length,
    signalToScheduledMs: scheduled.p50,
    scheduledToStartedMs: started.p50,
    startedToCompletedMs: completed.p50,
    p99: { signalToScheduledMs: scheduled.p99, scheduledToStartedMs: started.p99, startedToCompletedMs: completed.p99 },
  };
}
