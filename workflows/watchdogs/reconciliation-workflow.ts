/**
 * Reconciliation: proves that every planned date's projections (Firestore documents, `phase_execution_log`,
 * `phase_completions`, `phase_completion_status`) match its workflow state, the source of truth; repairs what
 * is missing or stale through the same idempotent writers, and alerts on every discrepancy it repaired.
 * `dryRun` reports without writing.
 *
 * A past date of the planning calendar that nothing ever recorded (`calendar_date_unrecorded`) is alerted
 * under a dedup key of its own date, and only then recorded (its `unrecorded` log row), so a gap is alerted
 * once and a failed alert leaves it to be found again. Results of activities that predate the check hold no
 * such gap, so a run in flight across a deploy issues the same commands as before.
 *
 * The operator's `reconcile` starts this workflow for a range (`from`/`to`); its dry run also passes
 * `alerts: false`. Scheduled runs set neither, so their commands are unchanged.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReconcileResult, WatchdogActivities } from './watchdog-contracts';
import { reconciliationOptions, watchdogOptions } from './watchdog-retry-policies';
import { raiseWatchdogAlert, runWatchdog, type WatchdogInput } from './watchdog-run';

const { reconcileGameDates } = proxyActivities<WatchdogActivities>(reconciliationOptions);
const { recordUnrecordedDates } = proxyActivities<WatchdogActivities>(watchdogOptions);

export const RECONCILIATION_WORKFLOW_TYPE = 'reconciliationWorkflow';

export interface ReconciliationInput extends WatchdogInput {
  dryRun?: boolean;
  /** One alert per discrepancy up to this many (and per calendar gap up to this many), then one summary alert. */
  maxAlerts?: number;
  /** Only these dates (the operator's `reconcile --from --to`); the schedule checks them all. */
  from?: string;
  to?: string;
  /** False: report only, no alert (the operator's dry run prints the result instead). Scheduled runs alert. */
  alerts?: boolean;
}

export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconcileResult> {
  return runWatchdog('reconciliation', input.pipeline, async () => {
    const dryRun = input.dryRun ?? false;
    const range = { ...(input.from ? { from: input.from } : {}), ...(input.to ? { to: input.to } : {}) };
    const result = await reconcileGameDates({ dryRun, now: Date.now(), ...range });
    // A report-only run issues no command after the reconciliation itself.
    if (input.alerts === false) return result;
    const run = workflowInfo().runId;
    const maxAlerts = input.maxAlerts ?? 20;
    const repairs = result.details.filter((d) => d.kind !== 'calendar_date_unrecorded');
    const gaps = result.details.filter((d) => d.kind === 'calendar_date_unrecorded');
    const gapCount = result.calendar?.unrecorded ?? 0;
    for (const d of repairs.slice(0, maxAlerts)) {
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
    // The rest of a long backlog of gaps is alerted by the next runs, a cap at a time.
    const alertedGaps = gaps.slice(0, maxAlerts);
    for (const d of alertedGaps) {
      await raiseWatchdogAlert({
        severity: 'error',
        title: `No record of ${d.gameDate}: nothing ever arrived for a date of the calendar`,
        text: `${d.detail}. Its downstream phases never ran. ${dryRun ? 'Dry run: not recorded, so it is alerted again next run.' : 'Recorded in phase_execution_log (status unrecorded), so it is alerted once.'} To process the date, run its Phase 2 processors again: their completions start its workflow.`,
        gameDate: d.gameDate,
        dedupKey: `${input.pipeline}:${d.gameDate}:reconcile:calendar_date_unrecorded`,
      });
    }
    if (!dryRun && alertedGaps.length > 0) {
      await recordUnrecordedDates({ gameDates: alertedGaps.map((d) => d.gameDate), now: Date.now() });
      for (const d of alertedGaps) d.repaired = true;
    }
    if (result.discrepancies - gapCount > maxAlerts || gapCount > maxAlerts || result.failedRepairs > 0) {
      const calendar = result.calendar ? ` Calendar (${result.calendar.source}): ${result.calendar.dates} past dates, ${gapCount} never recorded, ${alertedGaps.length} alerted this run.` : '';
      await raiseWatchdogAlert({
        severity: result.failedRepairs > 0 ? 'error' : 'warning',
        title: `Reconciliation of ${input.pipeline}: ${result.discrepancies} discrepancies, ${result.repaired} repaired, ${result.failedRepairs} failed`,
        text: `Checked ${result.dates} dates (${JSON.stringify(result.checked)}).${calendar}${dryRun ? ' Dry run: nothing was written.' : ''}`,
        dedupKey: `${input.pipeline}:reconcile:summary:${run}`,
      });
    }
    return result;
  });
}
