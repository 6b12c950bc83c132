/**
 * Failure types the activities raise. Plain data, safe to import from workflow code: the workflow matches
 * `ActivityFailure.cause.type` against these to tell "fix the configuration" from "try again later".
 */

/** Non-retryable: retrying cannot fix these; an operator must act (topic, permission, payload, endpoint). */
export const NonRetryableActivityErrors = {
  /** The trigger topic does not exist (Pub/Sub NOT_FOUND). */
  triggerTopicNotFound: 'TriggerTopicNotFound',
  /** The worker's identity may not publish to the trigger topic. */
  triggerPermissionDenied: 'TriggerPermissionDenied',
  /** A trigger message cannot be serialised or was refused as invalid. */
  triggerPayloadInvalid: 'TriggerPayloadInvalid',
  /** The HTTP trigger endpoint answered 4xx (other than 409 and 429). */
  httpTriggerRejected: 'HttpTriggerRejected',
  /** The HTTP trigger base URL variable holds something that is not an http(s) URL. */
  httpTriggerMisconfigured: 'HttpTriggerMisconfigured',
  /** The Firestore document input is malformed (for example a timestamp that does not parse). */
  firestoreProjectionInvalid: 'FirestoreProjectionInvalid',
  /** The worker's identity may not write the Firestore document. */
  firestorePermissionDenied: 'FirestorePermissionDenied',
  /** BigQuery refused the statement or row as invalid (schema mismatch, bad value). */
  bigQueryRowInvalid: 'BigQueryRowInvalid',
  /** The BigQuery dataset or table does not exist; run the schema command. */
  bigQueryTableMissing: 'BigQueryTableMissing',
  /** The worker's identity may not write the BigQuery table. */
  bigQueryPermissionDenied: 'BigQueryPermissionDenied',
} as const;

/** Retryable, but typed so the workflow can say what kept failing once the retry budget is spent. */
export const RetryableActivityErrors = {
  /** Every configured alert channel failed for this alert. */
  alertDeliveryFailed: 'AlertDeliveryFailed',
  /** Firestore did not answer (unavailable, deadline exceeded, aborted contention). */
  firestoreUnavailable: 'FirestoreUnavailable',
  /** BigQuery did not answer or asked us to slow down. */
  bigQueryUnavailable: 'BigQueryUnavailable',
  /** Part of a date's records was not written (details: `DateRecordsFailureDetails`). Non-retryable when every failed part was. */
  dateRecordsIncomplete: 'DateRecordsIncomplete',
  /**
   * The trigger topic has no subscription: Pub/Sub would accept the publish and drop it, so the next phase would
   * never start. Retried (a subscription may be created any moment), alerted critical once the budget is spent.
   */
  triggerTopicUnsubscribed: 'TriggerTopicUnsubscribed',
  /** Pub/Sub did not answer. */
  pubsubUnavailable: 'PubSubUnavailable',
  /** The HTTP trigger endpoint answered 5xx or 429, or could not be reached. */
  httpTriggerUnavailable: 'HttpTriggerUnavailable',
} as const;

export type NonRetryableActivityErrorType = (typeof NonRetryableActivityErrors)[keyof typeof NonRetryableActivityErrors];
export type RetryableActivityErrorType = (typeof RetryableActivityErrors)[keyof typeof RetryableActivityErrors];
