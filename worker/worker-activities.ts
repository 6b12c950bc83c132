/**
 * Every activity the worker registers on the workflows' task queue, in one place: the transition activities,
 * the previous-run loader and the watchdog activities. The deploy audit compares these names with the ones the
 * workflows call, so a workflow can never call an activity that no worker has.
 */
import type { Client } from '@temporalio/client';
import type { TransitionActivities } from '../activities/activity-contracts';
import { createPreviousRunLoader } from '../activities/previous-run';
import { createWatchdogActivities, type WatchdogDeps } from '../watchdogs/watchdog-activities';
import type { PreviousRunActivities } from '../workflows/game-date/internal-messages';
import type { WatchdogActivities } from '../workflows/watchdogs/watchdog-contracts';

export type WorkerActivities = TransitionActivities & PreviousRunActivities & WatchdogActivities;

export function workerActivities(transitionActivities: TransitionActivities, client: Client, watchdogs: Omit<WatchdogDeps, 'client' | 'writers'>): WorkerActivities {
  return {
    ...transitionActivities,
    ...createPreviousRunLoader(client),
    ...createWatchdogActivities({ ...watchdogs, client, writers: transitionActivities }),
  };
}
