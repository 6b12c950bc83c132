/**
 * Activity options per activity type, imported by the workflow (so: plain data and `@temporalio/common`
 * types only). Every policy is bounded: when the budget is spent the workflow gets the failure back, keeps
 * what it was delivering in its own state, alerts, and tries again later. A policy that retried forever
 * would hide the outage; one that never retried would lose work (docs/contract.md §8 failure 12).
 */
import type { ActivityOptions } from '@temporalio/common';
import { NonRetryableActivityErrors as E } from './activity-error-types';

/** Pub/Sub publish: a few minutes of patience, then hand control back to the workflow. */
export const publishTriggerOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [E.triggerTopicNotFound, E.triggerPermissionDenied, E.triggerPayloadInvalid],
  },
} satisfies ActivityOptions;

/** HTTP trigger: one attempt may take the request timeout (30 s) plus slack. */
export const httpTriggerOptions = {
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '15m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '2m',
    nonRetryableErrorTypes: [E.httpTriggerRejected, E.httpTriggerMisconfigured],
  },
} satisfies ActivityOptions;

/** Firestore projection: a projection can always be rewritten later from workflow state. */
export const firestoreOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [E.firestoreProjectionInvalid, E.firestorePermissionDenied],
  },
} satisfies ActivityOptions;

/** BigQuery rows and status changes: a streaming insert can queue behind an overloaded endpoint, hence the longer attempt. */
export const bigQueryOptions = {
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [E.bigQueryRowInvalid, E.bigQueryTableMissing, E.bigQueryPermissionDenied],
  },
} satisfies ActivityOptions;

/**
 * A writer pass's records (Firestore and BigQuery together, `writeDateRecords`): one attempt may run several
 * BigQuery requests in a row. The failure says itself whether a retry can help, so no types are listed here.
 */
export const dateRecordsOptions = {
  startToCloseTimeout: '2m',
  // The activity heartbeats every 5 s: a worker killed mid-pass is noticed in 20 s, not 2 minutes.
  heartbeatTimeout: '20s',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
  },
} satisfies ActivityOptions;

/**
 * A backfill date's pass waits its turn on a busy task queue (live dates' writes go first, and the worker runs
 * `WORKER_MAX_CONCURRENT_ACTIVITIES` at once): that wait is expected, so it is not counted as a store outage for an hour.
 */
export const backlogDateRecordsOptions = { ...dateRecordsOptions, scheduleToCloseTimeout: '1h' } satisfies ActivityOptions;

/** Alerts: the activity already retries each channel quickly; these retries cover a channel outage. */
export const alertOptions = {
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 8,
  },
} satisfies ActivityOptions;
