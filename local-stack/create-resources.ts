/** Creates the pipeline's topics, subscriptions, datasets, tables and seeded schedule on the emulators named by the environment (docker-compose `setup`). */
import { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import { DEFAULT_BIGQUERY_DATASET, ensureBigQuerySchema } from '../activities/bigquery-schema';
import { pipelineTopics } from '../contract/pipeline-topics';
import { ensurePubSubResources } from './pubsub-resources';
import { ensureSeededSchedule } from './schedule-seed';

async function main(): Promise<void> {
  const projectId = process.env.GOOGLE_CLOUD_PROJECT || 'nba-local';
  const pubsub = new PubSub({ projectId });
  const bigquery = new BigQuery({ projectId, apiEndpoint: process.env.BIGQUERY_API_ENDPOINT });
  await ensurePubSubResources(pubsub, pipelineTopics());
  await ensureBigQuerySchema(bigquery, process.env.BIGQUERY_DATASET || DEFAULT_BIGQUERY_DATASET);
  // The planner's calendar: a small made-up season from today (local-stack/schedule-seed.ts).
  await ensureSeededSchedule(bigquery);
  await pubsub.close();
  console.log('topics, subscriptions, dataset and tables are ready');
}

main().catch((error: unknown) => {
  console.error(`create-resources: ${(error as Error).message}`);
  process.exit(1);
});
