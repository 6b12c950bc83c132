/**
 * The worker's Google clients, built from its validated environment. Kept apart from service-environment.ts,
 * which the bridge loads too: the bridge needs Pub/Sub only, and loading the Firestore and BigQuery libraries
 * as well cost it about 7 MB.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';

export interface GoogleClients {
  pubsub: PubSub;
  firestore: Firestore;
  bigquery: BigQuery;
}

export function createGoogleClients(config: { GOOGLE_CLOUD_PROJECT: string; BIGQUERY_API_ENDPOINT?: string }): GoogleClients {
  const projectId = config.GOOGLE_CLOUD_PROJECT;
  return {
    pubsub: new PubSub({ projectId }),
    firestore: new Firestore({ projectId }),
    bigquery: new BigQuery({ projectId, ...(config.BIGQUERY_API_ENDPOINT ? { apiEndpoint: config.BIGQUERY_API_ENDPOINT } : {}) }),
  };
}
