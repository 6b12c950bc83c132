/**
 * The activity names a worker registers, read off the same function the worker uses, built with clients that
 * never connect (constructing them opens nothing).
 */
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { workerActivities } from '../worker/worker-activities';

export function registeredActivityNames(): Set<string> {
  const projectId = 'audit';
  const google = { pubsub: new PubSub({ projectId }), firestore: new Firestore({ projectId }), bigquery: new BigQuery({ projectId }) };
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const transition = createActivities({ ...google, datasetId: 'audit', alertConfig: { channels: [{ kind: 'console', name: 'console' }] } });
  const activities = workerActivities(transition, client, { definition: loadPipelineDefinition(), planning: null, taskQueue: 'audit', firestore: google.firestore, bigquery: google.bigquery, datasetId: 'audit' });
  return new Set(Object.keys(activities));
}
