/**
 * What every watchdog workflow shares: its alerts go through the same `sendAlert` activity as the date
 * workflows, and a watchdog that cannot do its job alerts, records the failure for health, and fails its run
 * visibly (the schedule's recent actions and the stuck-workflow watchdog then show it).
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { describeFailure } from '../activity-failure-text';
import type { Alert, TransitionActivities } from '../../activities/activity-contracts';
import { alertOptions } from '../../activities/retry-policies';
import type { WatchdogActivities, WatchdogName } from './watchdog-contracts';
import { probeOptions } from './watchdog-retry-policies';

const { sendAlert } = proxyActivities<TransitionActivities>(alertOptions);
const { recordWatchdogOutcome } = proxyActivities<WatchdogActivities>(probeOptions);

export interface WatchdogInput {
  pipeline: string;
}

export type WatchdogAlert = Omit<Alert, 'timestamp'>;

export async function raiseWatchdogAlert(alert: WatchdogAlert): Promise<void> {
  await sendAlert({ ...alert, timestamp: new Date(Date.now()).toISOString() });
}

export async function runWatchdog<T>(watchdog: WatchdogName, pipeline: string, body: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (error) {
    const message = describeFailure(error);
    // Health bookkeeping is best effort; the alert below is not.
    await recordWatchdogOutcome({ watchdog, ok: false, error: message, at: Date.now() }).catch(() => undefined);
    await raiseWatchdogAlert({
      severity: 'critical',
      title: `Watchdog ${watchdog} cannot run (${pipeline})`,
      text: `${message}. What it watches goes unwatched until a run succeeds; inspect workflow ${workflowInfo().workflowId} and its schedule.`,
      dedupKey: `${pipeline}:watchdog:${watchdog}:failed`,
    });
    throw ApplicationFailure.nonRetryable(`Watchdog ${watchdog} of ${pipeline} failed: ${message}`, 'WatchdogFailed');
  }
  await recordWatchdogOutcome({ watchdog, ok: true, error: null, at: Date.now() }).catch(() => undefined);
  return result;
}

