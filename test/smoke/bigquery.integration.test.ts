import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { PHASE_EXECUTION_LOG_TABLE } from '../../activities/bigquery-schema';
import { testStack } from '../harness';

describe('smoke: BigQuery emulator', function () {
  this.timeout(30_000);

  it('inserts rows into phase_execution_log and queries them back with parameters', async () => {
    const { projectId, bigqueryApiEndpoint, bigqueryDataset } = testStack();
    const bigquery = new BigQuery({ projectId, apiEndpoint: bigqueryApiEndpoint });
    const correlationId = randomUUID();
    const now = new Date().toISOString();
    await bigquery
      .dataset(bigqueryDataset)
      .table(PHASE_EXECUTION_LOG_TABLE)
      .insert(
        ['phase2_to_phase3', 'phase3_to_phase4'].map((phase) => ({
          execution_timestamp: now,
          phase_name: phase,
          game_date: '2026-01-15',
          correlation_id: correlationId,
          status: 'complete',
          duration_seconds: 1.5,
          games_processed: 7,
          metadata: JSON.stringify({ reason: 'all_complete' }),
          created_at: now,
        })),
      );
    const [rows] = await bigquery.query({
      query: `SELECT phase_name, game_date, games_processed FROM \`${bigqueryDataset}.${PHASE_EXECUTION_LOG_TABLE}\`
              WHERE correlation_id = @correlationId ORDER BY phase_name`,
      params: { correlationId },
    });
    const plain = (rows as { phase_name: string; game_date: { value: string }; games_processed: number }[]).map((r) => ({
      phase: r.phase_name,
      date: r.game_date.value,
      games: r.games_processed,
    }));
    assert.deepEqual(plain, [
      { phase: 'phase2_to_phase3', date: '2026-01-15', games: 7 },
      { phase: 'phase3_to_phase4', date: '2026-01-15', games: 7 },
    ]);
  });
});
