/**
 * Activity options of the watchdog workflows (plain data: workflows import it). Bounded like every other
 * policy: a watchdog that cannot do its job fails its run and says so, it does not retry in silence.
 */
import type { ActivityOptions } from '@temporalio/common';

/** Planning, stuck-workflow search, schedule checks: a few Temporal/BigQuery calls. */
export const watchdogOptions = {
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
} satisfies ActivityOptions;

/** Reconciliation reads every planned date; it heartbeats, so a dead worker is noticed within a minute. */
export const reconciliationOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 3 },
} satisfies ActivityOptions;

/** Health probes and the external heartbeat: one quick attempt per run; the next run is the retry. */
export const probeOptions = {
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
} satisfies ActivityOptions;
