/**
 * The planner: run by a schedule, it starts the workflow of every expected game date ahead of time, with its
 * planned expectations, so a date on which nothing at all arrives still goes overdue and alerts.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PlanResult, WatchdogActivities } from './watchdog-contracts';
import { watchdogOptions } from './watchdog-retry-policies';
import { raiseWatchdogAlert, runWatchdog, type WatchdogInput } from './watchdog-run';

const { planGameDates } = proxyActivities<WatchdogActivities>(watchdogOptions);

export const PLANNER_WORKFLOW_TYPE = 'plannerWorkflow';

export async function plannerWorkflow(input: WatchdogInput): Promise<PlanResult> {
  return runWatchdog('planner', input.pipeline, async () => {
    const result = await planGameDates({ now: Date.now() });
    if (result.failed.length > 0) {
      await raiseWatchdogAlert({
        severity: 'error',
        title: `Planner could not start ${result.failed.length} date(s) of ${input.pipeline}`,
        text: `${result.failed.map((f) => `${f.gameDate}: ${f.error}`).join('; ')}. Their deadlines are not armed until a completion arrives or the next planner run succeeds.`,
        dedupKey: `${input.pipeline}:planner:start-failed:${result.failed.map((f) => f.gameDate).join(',')}`,
      });
    }
    return result;
  });
}
