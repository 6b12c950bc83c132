/**
 * Where a trigger's latency goes. For each publishTrigger activity of the sampled dates, the date's history
 * gives the signal that preceded it and when the activity was scheduled, started and completed; the bench
 * adds when the readying completion was published and when the trigger reached it. So every part of the path
 * is measured: publish → signal accepted (Pub/Sub delivery to the bridge and its signal call), the workflow
 * task, the activity queue, the publish itself, and completed → received (Pub/Sub delivery to the reader).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { gameDateWorkflowId } from '../workflows/game-date/messages';
import { latencySummary, type LatencySummary } from './latency';
import { triggerKeyOf } from './season';

const { EventType } = temporal.api.enums.v1;

/** The parts of one trigger's path, in milliseconds, in order. */
const LATENCY_PARTS = ['publishedToSignalMs', 'signalToScheduledMs', 'scheduledToStartedMs', 'startedToCompletedMs', 'completedToReceivedMs'] as const;
type LatencyPart = (typeof LATENCY_PARTS)[number];
export type LatencyParts = Record<LatencyPart, number | null>;

/** Each part's median (publishedToSignal and completedToReceived only for triggers the bench timed). */
export interface LatencyBreakdown extends LatencyParts {
  triggers: number;
  p99: LatencyParts;
  /** The slowest triggers end to end, with their parts: which hop the tail waits in. */
  slowest: ({ key: string; totalMs: number } & LatencyParts)[];
  /** End-to-end latency per transition: whether the tail belongs to one of them (a date's first, say). */
  perTransition: Record<string, LatencySummary>;
}

const PART_LABELS: Record<LatencyPart, string> = {
  publishedToSignalMs: 'published → signal accepted',
  signalToScheduledMs: '→ publishTrigger scheduled',
  scheduledToStartedMs: '→ started',
  startedToCompletedMs: '→ published',
  completedToReceivedMs: '→ received',
};

/** One line of the parts in path order, for the bench's log. */
export function describeLatencyParts(parts: LatencyParts): string {
  return LATENCY_PARTS.map((part) => `${PART_LABELS[part]} ${parts[part]}`).join(', ');
}

/** A trigger as the bench saw it: when its last needed completion was published and when it arrived. */
export interface TimedTrigger {
  dueAt: number;
  receivedAt: number;
}

function millis(time: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/** The bench's key of a publishTrigger activity, from its input (transition and the first message's data). */
function triggerKeyOfActivity(event: temporal.api.history.v1.IHistoryEvent): string | null {
  const data = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    const input = JSON.parse(Buffer.from(data).toString('utf8')) as { transition?: string; messages?: { data?: Record<string, unknown> }[] };
    return triggerKeyOf(input.transition ?? '', input.messages?.[0]?.data ?? {});
  } catch {
    return null;
  }
}

const SLOWEST = 5;

export async function latencyBreakdown(client: Client, pipeline: string, dates: string[], timed: Map<string, TimedTrigger>): Promise<LatencyBreakdown> {
  const rows: ({ key: string; totalMs: number | null } & LatencyParts)[] = [];
  for (const date of dates) {
    const history = await client.workflow.getHandle(gameDateWorkflowId(pipeline, date)).fetchHistory();
    let lastSignal = 0;
    // Scheduled event id → the row being filled in for that activity.
    const open = new Map<number, { row: (typeof rows)[number]; scheduledAt: number; startedAt?: number }>();
    for (const event of history.events ?? []) {
      const at = millis(event.eventTime);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) lastSignal = at;
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTrigger') {
        const key = triggerKeyOfActivity(event) ?? '';
        const bench = timed.get(key);
        const row = {
          key,
          totalMs: bench ? bench.receivedAt - bench.dueAt : null,
          publishedToSignalMs: bench ? lastSignal - bench.dueAt : null,
          signalToScheduledMs: at - lastSignal,
          scheduledToStartedMs: null,
          startedToCompletedMs: null,
          completedToReceivedMs: null,
        };
        rows.push(row);
        open.set(Number(event.eventId), { row, scheduledAt: at });
      }
      const started = open.get(Number(event.activityTaskStartedEventAttributes?.scheduledEventId ?? 0));
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && started) {
        started.row.scheduledToStartedMs = at - started.scheduledAt;
        started.startedAt = at;
      }
      const completed = open.get(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId ?? 0));
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && completed?.startedAt !== undefined) {
        completed.row.startedToCompletedMs = at - completed.startedAt;
        const bench = timed.get(completed.row.key);
        if (bench) completed.row.completedToReceivedMs = bench.receivedAt - at;
      }
    }
  }
  const summaries = Object.fromEntries(
    LATENCY_PARTS.map((part) => [part, latencySummary(rows.map((row) => row[part]).filter((ms): ms is number => ms !== null))]),
  ) as Record<LatencyPart, ReturnType<typeof latencySummary>>;
  const slowest = rows
    .filter((row): row is typeof row & { totalMs: number } => row.totalMs !== null)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, SLOWEST);
  const totals = new Map<string, number[]>();
  for (const row of rows) {
    if (row.totalMs === null) continue;
    const transition = row.key.split('/')[0] ?? '';
    const samples = totals.get(transition) ?? [];
    samples.push(row.totalMs);
    totals.set(transition, samples);
  }
  return {
    triggers: rows.length,
    ...(Object.fromEntries(LATENCY_PARTS.map((part) => [part, summaries[part].p50])) as LatencyParts),
    p99: Object.fromEntries(LATENCY_PARTS.map((part) => [part, summaries[part].p99])) as LatencyParts,
    slowest,
    perTransition: Object.fromEntries([...totals].map(([transition, samples]) => [transition, latencySummary(samples)])),
  };
}

/** `phase2_to_phase3 p50 80 / p99 516 ms (50)`, one per transition, for the bench's log. */
export function describePerTransition(perTransition: LatencyBreakdown['perTransition']): string {
  return Object.entries(perTransition)
    .map(([transition, s]) => `${transition} p50 ${s.p50} / p99 ${s.p99} ms (${s.count})`)
    .join('; ');
}
