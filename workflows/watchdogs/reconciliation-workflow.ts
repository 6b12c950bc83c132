/**
 * Reconciliation: proves that every planned date's projections (Firestore documents, `phase_execution_log`,
 * `phase_completions`, `phase_completion_status`) match its workflow state, the source of truth; repairs what
 * is missing or stale through the same idempotent writers, and alerts on every discrepancy it repaired.
 * `dryRun` reports without writing.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReconcileResult, WatchdogActivities } from './watchdog-contracts';
import { reconciliationOptions } from './watchdog-retry-policies';
import { raiseWatchdogAlert, runWatchdog, type WatchdogInput } from './watchdog-run';

const { reconcileGameDates } = proxyActivities<WatchdogActivities>(reconciliationOptions);

export const RECONCILIATION_WORKFLOW_TYPE = 'reconciliationWorkflow';

export interface ReconciliationInput extends WatchdogInput {
  dryRun?: boolean;
  /** One alert per discrepancy up to this many, then one summary alert. */
  maxAlerts?: number;
}

export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconcileResult> {
  return runWatchdog('reconciliation', input.pipeline, async () => {
    const dryRun = input.dryRun ?? false;
    const result = await reconcileGameDates({ dryRun, now: Date.now() });
    const run = workflowInfo().runId;
    const maxAlerts = input.maxAlerts ?? 20;
    for (const d of result.details.slice(0, maxAlerts)) {
      const what = d.repaired ? 'repaired' : dryRun ? 'found (dry run, not repaired)' : `NOT repaired: ${d.repairError ?? 'unknown error'}`;
      await raiseWatchdogAlert({
        severity: d.repaired || dryRun ? 'warning' : 'error',
        title: `Reconciliation ${d.repaired ? 'repaired' : 'found'} ${d.kind.replace(/_/g, ' ')} for ${d.gameDate}${d.transition ? ` (${d.transition})` : ''}`,
        text: `${d.detail}; ${what}. The workflow state is the source of truth; something changed the projection behind the orchestrator's back or a write was lost.`,
        gameDate: d.gameDate,
        transition: d.transition ?? undefined,
        dedupKey: `${input.pipeline}:${d.gameDate}:reconcile:${d.kind}:${d.transition ?? '-'}:${run}`,
      });
    }
    if (result.discrepancies > maxAlerts || result.failedRepairs > 0) {
      await raiseWatchdogAlert({
        severity: result.failedRepairs > 0 ? 'error' : 'warning',
        title: `Reconciliation of ${input.pipeline}: ${result.discrepancies} discrepancies, ${result.repaired} repaired, ${result.failedRepairs} failed`,
        text: `Checked ${result.dates} dates (${JSON.stringify(result.checked)}).${dryRun ? ' Dry run: nothing was written.' : ''}`,
        dedupKey: `${input.pipeline}:reconcile:summary:${run}`,
      });
    }
    return result;
  });
}
