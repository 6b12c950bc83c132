/** Where each service of a running local stack listens; exported to processes as environment variables. */
export interface StackEndpoints {
  projectId: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  pubsubEmulatorHost: string;
  firestoreEmulatorHost: string;
  bigqueryApiEndpoint: string;
  bigqueryDataset: string;
}

export function endpointsToEnv(endpoints: StackEndpoints): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: endpoints.projectId,
    TEMPORAL_ADDRESS: endpoints.temporalAddress,
    TEMPORAL_NAMESPACE: endpoints.temporalNamespace,
    TEMPORAL_UI_URL: endpoints.temporalUiUrl,
    PUBSUB_EMULATOR_HOST: endpoints.pubsubEmulatorHost,
    FIRESTORE_EMULATOR_HOST: endpoints.firestoreEmulatorHost,
    BIGQUERY_API_ENDPOINT: endpoints.bigqueryApiEndpoint,
    BIGQUERY_DATASET: endpoints.bigqueryDataset,
    METADATA_SERVER_DETECTION: 'none',
  };
}
