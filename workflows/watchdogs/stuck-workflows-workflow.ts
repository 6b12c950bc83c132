/**
 * Finds date workflows that cannot make progress (workflow tasks that keep failing, runs that failed or timed
 * out) and watchdog schedules that are paused or missing, and alerts each with its date and error.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ScheduleProblem, StuckWorkflow, WatchdogActivities } from './watchdog-contracts';
import { watchdogOptions } from './watchdog-retry-policies';
import { raiseWatchdogAlert, runWatchdog, type WatchdogInput } from './watchdog-run';

const { findStuckWorkflows, checkWatchdogSchedules } = proxyActivities<WatchdogActivities>(watchdogOptions);

export const STUCK_WORKFLOWS_WORKFLOW_TYPE = 'stuckWorkflowsWorkflow';

export interface StuckWorkflowsInput extends WatchdogInput {
  /** Failed or timed-out runs closed within this many minutes are reported (about twice the schedule interval). */
  lookbackMinutes?: number;
}

export interface StuckWorkflowsResult {
  stuck: StuckWorkflow[];
  scheduleProblems: ScheduleProblem[];
}

export async function stuckWorkflowsWorkflow(input: StuckWorkflowsInput): Promise<StuckWorkflowsResult> {
  return runWatchdog('stuck-workflows', input.pipeline, async () => {
    const closedSince = new Date(Date.now() - (input.lookbackMinutes ?? 60) * 60_000).toISOString();
    const stuck = await findStuckWorkflows({ closedSince });
    const scheduleProblems = await checkWatchdogSchedules();
    for (const s of stuck) {
      const what = s.kind === 'task_failing' ? 'is stuck: its workflow task keeps failing' : s.kind === 'failed' ? 'failed' : 'timed out';
      await raiseWatchdogAlert({
        severity: s.kind === 'task_failing' ? 'critical' : 'error',
        title: `${s.gameDate ? `Date ${s.gameDate}` : s.workflowId} ${what}`,
        text: `Workflow ${s.workflowId} (run ${s.runId}, ${s.workflowType}) since ${s.since}: ${s.error}. Fix the cause, then \`temporal workflow reset -w ${s.workflowId} -r ${s.runId} -t LastWorkflowTask --reason "…"\` (or signal the date again).`,
        gameDate: s.gameDate ?? undefined,
        dedupKey: `${input.pipeline}:${s.gameDate ?? s.workflowId}:stuck:${s.kind}:${s.runId}`,
      });
    }
    for (const p of scheduleProblems) {
      await raiseWatchdogAlert({
        severity: 'critical',
        title: `Watchdog schedule ${p.scheduleId} is not running`,
        text: `${p.problem}. The watchdog it runs is silent until the schedule is fixed (\`temporal schedule describe --schedule-id ${p.scheduleId}\`).`,
        dedupKey: `${input.pipeline}:watchdog-schedule:${p.scheduleId}`,
      });
    }
    return { stuck, scheduleProblems };
  });
}
