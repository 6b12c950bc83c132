import type { StackEndpoints } from './stack-endpoints';

/** Human-readable endpoint list printed by `npm start` and `npm run stack -- up|status`. */
export function formatEndpoints(endpoints: StackEndpoints): string {
  return [
    `  Temporal        ${endpoints.temporalAddress} (namespace ${endpoints.temporalNamespace})`,
    `  Temporal Web UI ${endpoints.temporalUiUrl}`,
    `  Pub/Sub         PUBSUB_EMULATOR_HOST=${endpoints.pubsubEmulatorHost}`,
    `  Firestore       FIRESTORE_EMULATOR_HOST=${endpoints.firestoreEmulatorHost}`,
    `  BigQuery        BIGQUERY_API_ENDPOINT=${endpoints.bigqueryApiEndpoint} (dataset ${endpoints.bigqueryDataset})`,
    `  Project         GOOGLE_CLOUD_PROJECT=${endpoints.projectId}`,
  ].join('\n');
}
