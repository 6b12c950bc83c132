/**
 * Bridge side: watches the workers from outside them. `check(now)` asks Temporal who has polled the task queue
 * and the backlog's (`DescribeTaskQueue`, workflow and activity pollers) and their trigger queues (activity
 * pollers); when one of them has had no poll for longer than the threshold it alerts directly through the alert
 * sender (a dead worker cannot alert about itself), and sends a resolved notice when a worker polls again.
 */
import type { Alert } from '../activities/activity-contracts';
import { workerTaskQueues } from '../workflows/game-date/messages';

/** The slice of Temporal's workflow service this watcher needs (a client `Connection` has it). */
export interface TaskQueueDescriber {
  workflowService: {
    describeTaskQueue(request: {
      namespace: string;
      taskQueue: { name: string; kind?: number };
      taskQueueType?: number;
    }): Promise<{ pollers?: { lastAccessTime?: { seconds?: unknown; nanos?: number | null } | null; identity?: string | null }[] | null }>;
  };
}

export interface WorkerPollerWatcherOptions {
  pipeline: string;
  connection: TaskQueueDescriber;
  namespace: string;
  taskQueue: string;
  thresholdMs: number;
  sendAlert: (alert: Alert) => Promise<unknown>;
  now?: () => number;
}

/** Temporal's enum values (temporal.api.enums.v1.TaskQueueType / TaskQueueKind). */
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;
const TASK_QUEUE_KIND_NORMAL = 1;

export interface PollerCheck {
  healthy: boolean;
  /**
   * Latest poll per task queue and type (`triggers`: activity polls of the trigger queue; `backlog…`: the same of
   * the backlog's queues, see workerTaskQueues), epoch ms (null: no poller known).
   */
  lastPollAt: Record<'workflow' | 'activity' | 'triggers' | 'backlogWorkflow' | 'backlogActivity' | 'backlogTriggers', number | null>;
  /** The queues without a recent poll, each with its task type and last poll. */
  stale: string[];
  /** The latest poll of those queues, epoch ms (null: none known). */
  staleLastPollAt: number | null;
  pollers: string[];
}

export class WorkerPollerWatcher {
  private readonly startedAt: number;
  /** Dedup key of the alerted outage, while it lasts. */
  private alerted: string | null = null;
  private last: PollerCheck | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: WorkerPollerWatcherOptions) {
    this.startedAt = this.now();
  }

  async check(now = this.now()): Promise<PollerCheck | null> {
    let result: PollerCheck;
    try {
      result = await this.describe(now);
      this.lastError = null;
    } catch (error) {
      // Temporal itself unreachable: the bridge's temporal dependency reports it; not a worker verdict.
      this.lastError = `cannot describe task queue ${this.options.taskQueue}: ${error instanceof Error ? error.message : String(error)}`;
      return null;
    }
    this.last = result;
    const { taskQueue, thresholdMs, pipeline } = this.options;
    if (!result.healthy && !this.alerted && now - this.startedAt >= thresholdMs) {
      // Named by what Temporal reports (the stale queues' last poll), which every bridge replica reads alike; the
      // queues still polled move on between two replicas' checks, so they are left out.
      this.alerted = `${pipeline}:worker-pollers:${taskQueue}:last-poll:${result.staleLastPollAt === null ? 'none' : new Date(result.staleLastPollAt).toISOString()}`;
      await this.send({
        severity: 'critical',
        title: `No worker is polling ${taskQueue}`,
        text: `No worker has polled for over ${Math.round(thresholdMs / 1000)} s: ${result.stale.join('; ')}. Completions are being accepted but no transition runs: restart the worker and check its logs.`,
        dedupKey: this.alerted,
        timestamp: new Date(now).toISOString(),
      });
    } else if (result.healthy && this.alerted) {
      const dedupKey = `${this.alerted}:resolved`;
      this.alerted = null;
      await this.send({
        severity: 'info',
        title: `Workers are polling ${taskQueue} again`,
        text: `Pollers: ${result.pollers.join(', ') || 'unnamed'}.`,
        dedupKey,
        timestamp: new Date(now).toISOString(),
      });
    }
    return result;
  }

  /** Health contribution for the bridge's /health. */
  health(): { healthy: boolean; error: string | null } {
    if (this.lastError) return { healthy: false, error: this.lastError };
    if (this.alerted) return { healthy: false, error: `no worker polled ${this.options.taskQueue} within ${Math.round(this.options.thresholdMs / 1000)} s` };
    return { healthy: true, error: null };
  }

  private async describe(now: number): Promise<PollerCheck> {
    const lastPollAt: PollerCheck['lastPollAt'] = { workflow: null, activity: null, triggers: null, backlogWorkflow: null, backlogActivity: null, backlogTriggers: null };
    const pollers = new Set<string>();
    const queues = workerTaskQueues(this.options.taskQueue);
    const watched = [
      ['workflow', queues.dates, TASK_QUEUE_TYPE.workflow],
      ['activity', queues.dates, TASK_QUEUE_TYPE.activity],
      ['triggers', queues.triggers, TASK_QUEUE_TYPE.activity],
      ['backlogWorkflow', queues.backlogDates, TASK_QUEUE_TYPE.workflow],
      ['backlogActivity', queues.backlogDates, TASK_QUEUE_TYPE.activity],
      ['backlogTriggers', queues.backlogTriggers, TASK_QUEUE_TYPE.activity],
    ] as const;
    for (const [key, name, taskQueueType] of watched) {
      const response = await this.options.connection.workflowService.describeTaskQueue({
        namespace: this.options.namespace,
        taskQueue: { name, kind: TASK_QUEUE_KIND_NORMAL },
        taskQueueType,
      });
      for (const poller of response.pollers ?? []) {
        const at = timestampMs(poller.lastAccessTime);
        if (at !== null) lastPollAt[key] = Math.max(lastPollAt[key] ?? 0, at);
        if (poller.identity) pollers.add(poller.identity);
      }
    }
    const fresh = (t: number | null) => t !== null && now - t <= this.options.thresholdMs;
    const staleQueues = watched.filter(([key]) => !fresh(lastPollAt[key]));
    const staleSeen = staleQueues.map(([key]) => lastPollAt[key]).filter((t): t is number => t !== null);
    const stale = staleQueues.map(([key, name, type]) => {
      const at = lastPollAt[key];
      return `${name} (${type === TASK_QUEUE_TYPE.workflow ? 'workflow' : 'activity'} tasks, ${at === null ? 'no poller known to the server' : `last poll ${Math.round((now - at) / 1000)} s ago`})`;
    });
    return { healthy: stale.length === 0, lastPollAt, stale, staleLastPollAt: staleSeen.length ? Math.max(...staleSeen) : null, pollers: [...pollers] };
  }

  private async send(alert: Alert): Promise<void> {
    try {
      await this.options.sendAlert(alert);
    } catch (error) {
      this.lastError = `worker-poller alert not delivered: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const seconds = typeof ts.seconds === 'object' && ts.seconds !== null && 'toNumber' in ts.seconds ? (ts.seconds as { toNumber(): number }).toNumber() : Number(ts.seconds);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}
