/**
 * Creates the orchestrator's BigQuery dataset and tables, or adds the columns an existing table lacks:
 *   npm run bigquery:schema -- --dataset nba_orchestration [--project my-project] [--location US]
 * Against the emulator, set BIGQUERY_API_ENDPOINT (as the local stack does).
 */
import { BigQuery } from '@google-cloud/bigquery';
import { Command } from 'commander';
import { DEFAULT_BIGQUERY_DATASET, ORCHESTRATION_TABLES, ensureBigQuerySchema } from './bigquery-schema';

async function main(): Promise<void> {
  const options = new Command('bigquery:schema')
    .description('Create or extend the nba_orchestration dataset and its tables (never drops or retypes).')
    .option('--dataset <id>', 'dataset id', process.env.BIGQUERY_DATASET ?? DEFAULT_BIGQUERY_DATASET)
    .option('--project <id>', 'Google Cloud project (default: GOOGLE_CLOUD_PROJECT or the credentials project)')
    .option('--location <location>', 'dataset location, used only when the dataset is created')
    .parse()
    .opts<{ dataset: string; project?: string; location?: string }>();

  const projectId = options.project ?? process.env.GOOGLE_CLOUD_PROJECT;
  const apiEndpoint = process.env.BIGQUERY_API_ENDPOINT;
  const bigquery = new BigQuery({
    ...(projectId ? { projectId } : {}),
    ...(apiEndpoint ? { apiEndpoint } : {}),
    ...(options.location ? { location: options.location } : {}),
  });
  await ensureBigQuerySchema(bigquery, options.dataset);
  console.log(`Dataset ${options.dataset} has tables: ${Object.keys(ORCHESTRATION_TABLES).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(`bigquery:schema failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
