/**
 * The watchdog schedules, declared in code and created or updated idempotently at worker start
 * (`ensureWatchdogSchedules`). An existing schedule gets the declared spec and action but keeps its paused
 * state: an operator's pause is respected, and shows up in health and in the stuck-workflow watchdog's alerts.
 * The planner also runs once at every start (unless paused): planning is idempotent, and a worker started
 * (or a calendar date added) just after the hour would otherwise leave the next dates unplanned for an hour.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { durationMs, type WatchdogConfig } from './watchdog-config';

export interface WatchdogScheduleOptions {
  pipeline: string;
  /** Where the watchdog workflows (and the date workflows) run. */
  taskQueue: string;
  config: WatchdogConfig;
  /** The planner only makes sense for a pipeline with a `planning` block. */
  planning: boolean;
}

export function watchdogScheduleIds(options: Omit<WatchdogScheduleOptions, 'taskQueue'>): string[] {
  return watchdogSchedules({ ...options, taskQueue: '-' }).map((s) => s.scheduleId);
}

/** The schedules that run once when the worker starts. */
export function runsAtStart(scheduleId: string): boolean {
  return scheduleId.endsWith('-watchdog-planner');
}

export function watchdogSchedules({ pipeline, taskQueue, config, planning }: WatchdogScheduleOptions): ScheduleOptions[] {
  const schedule = (name: string, workflowType: string, every: string, args: unknown[]): ScheduleOptions => ({
    scheduleId: `${pipeline}-watchdog-${name}`,
    spec: { intervals: [{ every: durationMs(every) }] },
    action: { type: 'startWorkflow', workflowType, taskQueue, args, workflowId: `${pipeline}-watchdog-${name}` },
    // A slow run is never doubled up; a run missed while the server was down is caught up once.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
    memo: { declaredBy: 'watchdogs/watchdog-schedules.ts' },
  });
  const everyMinutes = Math.max(1, Math.round(durationMs(config.stuckEvery) / 60_000));
  return [
    ...(planning ? [schedule('planner', 'plannerWorkflow', config.plannerEvery, [{ pipeline }])] : []),
    schedule('reconciliation', 'reconciliationWorkflow', config.reconcileEvery, [{ pipeline, dryRun: config.reconcileDryRun }]),
    schedule('stuck-workflows', 'stuckWorkflowsWorkflow', config.stuckEvery, [{ pipeline, lookbackMinutes: 2 * everyMinutes + 5 }]),
    schedule('health-probe', 'healthProbeWorkflow', config.healthEvery, [{ pipeline }]),
  ];
}

export interface EnsureResult {
  created: string[];
  updated: string[];
  /** Run once now (`runsAtStart`). */
  triggered: string[];
}

export async function ensureWatchdogSchedules(client: Client, options: WatchdogScheduleOptions): Promise<EnsureResult> {
  const result: EnsureResult = { created: [], updated: [], triggered: [] };
  if (!options.config.enabled) return result;
  for (const declared of watchdogSchedules(options)) {
    const runNow = runsAtStart(declared.scheduleId);
    try {
      await client.schedule.create(runNow ? { ...declared, state: { ...declared.state, triggerImmediately: true } } : declared);
      result.created.push(declared.scheduleId);
      if (runNow) result.triggered.push(declared.scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      const handle = client.schedule.getHandle(declared.scheduleId);
      await handle.update((previous) => ({
        ...previous,
        spec: declared.spec,
        action: declared.action,
        policies: { ...previous.policies, ...declared.policies },
      }));
      result.updated.push(declared.scheduleId);
      // SKIP: a run still going (another worker's start) is not doubled up.
      if (runNow && !(await handle.describe()).state.paused) {
        await handle.trigger(ScheduleOverlapPolicy.SKIP);
        result.triggered.push(declared.scheduleId);
      }
    }
  }
  return result;
}
