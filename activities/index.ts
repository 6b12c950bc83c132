/**
 * Every side effect of the game-date workflow, built from injected clients (the worker creates them once).
 * The workflow imports only the `TransitionActivities` type and the retry policies, never this file.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { PubSub } from '@google-cloud/pubsub';
import type { TransitionActivities } from './activity-contracts';
import { createAlertPathStatus, createAlertSender, type AlertConfig, type AlertPathStatus } from './alert-channels';
import { createBigQueryLog } from './bigquery-log';
import { createDateRecordsWriter } from './date-records';
import { createFirestoreProjection } from './firestore-projection';
import { createHttpTrigger } from './http-trigger';
import { createTriggerPublisher } from './trigger-publisher';
import { createAlertFloodGuard } from './alert-flood';

export interface ActivityDeps {
  pubsub: PubSub;
  firestore: Firestore;
  bigquery: BigQuery;
  datasetId: string;
  /** From `loadAlertConfig(process.env)` at start, so a worker without a channel never starts. */
  alertConfig: AlertConfig;
  fetch?: typeof globalThis.fetch;
  /** Where HTTP trigger URLs are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Shared with the health checker's alert-path probe. */
  alertPathStatus?: AlertPathStatus;
  /** Fold one store outage alerted by many dates into a first alert and summaries (alert-flood.ts); off when unset or 0. */
  alertFloodWindowMs?: number;
}

export function createActivities(deps: ActivityDeps): TransitionActivities {
  const alertSender = createAlertSender(deps.alertConfig, { fetch: deps.fetch, status: deps.alertPathStatus ?? createAlertPathStatus() });
  const flood = deps.alertFloodWindowMs ? createAlertFloodGuard(alertSender, { windowMs: deps.alertFloodWindowMs }) : null;
  const bigQueryLog = createBigQueryLog(deps.bigquery, deps.datasetId);
  const projectCompletionDocument = createFirestoreProjection(deps.firestore);
  return {
    publishTrigger: createTriggerPublisher(deps.pubsub),
    callHttpTrigger: createHttpTrigger({ fetch: deps.fetch, env: deps.env }),
    projectCompletionDocument,
    recordCompletionRows: bigQueryLog.recordCompletionRows,
    recordExecutionLog: bigQueryLog.recordExecutionLog,
    upsertCompletionStatus: bigQueryLog.upsertCompletionStatus,
    writeDateRecords: createDateRecordsWriter({ projectCompletionDocument, ...bigQueryLog }),
    sendAlert: flood
      ? async (alert) => {
          const result = await flood.send(alert);
          return 'aggregated' in result ? { delivered: ['aggregated'], failed: [] } : result;
        }
      : alertSender,
  };
}

export { loadAlertConfig, createAlertPathStatus, AlertConfigError } from './alert-channels';
export type { AlertConfig, AlertPathStatus } from './alert-channels';
