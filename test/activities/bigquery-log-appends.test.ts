import assert from 'node:assert/strict';
import type { BigQuery } from '@google-cloud/bigquery';
import type { CompletionStatusRow } from '../../activities/activity-contracts';
import { createBigQueryLog } from '../../activities/bigquery-log';
import { executionLogRow } from './activity-fixtures';
import { runActivity } from './activity-test-env';

/** Records every insertAll request; any query or job (DML included) fails the test. */
function recordingBigQuery(): { bigquery: BigQuery; requests: { table: string; rows: { insertId?: string; json: Record<string, unknown> }[] }[] } {
  const requests: { table: string; rows: { insertId?: string; json: Record<string, unknown> }[] }[] = [];
  const refuse = (): never => {
    throw new Error('the writer ran a query job: writes must be appends');
  };
  const fake = {
    query: refuse,
    createQueryJob: refuse,
    dataset: () => ({
      table: (table: string) => ({
        insert: async (rows: { insertId?: string; json: Record<string, unknown> }[]) => {
          requests.push({ table, rows });
          return [{}];
        },
      }),
    }),
  };
  return { bigquery: fake as unknown as BigQuery, requests };
}

const status = (phase: string): CompletionStatusRow => ({
  phase,
  game_date: '2031-03-01',
  completed_count: 1,
  expected_count: 5,
  completed_processors: ['a'],
  missing_processors: ['b', 'c', 'd', 'e'],
  is_triggered: false,
  triggered_at: null,
  trigger_reason: null,
  mode: 'overnight',
  first_completion_at: '2031-03-01T05:00:00.000Z',
  last_completion_at: '2031-03-01T05:00:00.000Z',
});

describe('activities: BigQuery writes are appends', function () {
  it('a writer pass runs no DML: one insertAll request per table, keyed rows carry their insertId', async function () {
    const { bigquery, requests } = recordingBigQuery();
    const log = createBigQueryLog(bigquery, 'nba_orchestration');
    const rows = Array.from({ length: 3 }, (_, i) => executionLogRow('2031-03-01', { rowKey: `k${i}` }));
    await runActivity(log.recordExecutionLogRows, [...rows, rows[0]!]);
    await runActivity(log.upsertCompletionStatuses, [status('phase2_to_phase3'), status('phase3_to_phase4')]);
    assert.deepEqual(requests.map((r) => `${r.table}:${r.rows.length}`), ['phase_execution_log:3', 'phase_completion_status_changes:2']);
    assert.deepEqual(requests[0]!.rows.map((r) => r.insertId), ['k0', 'k1', 'k2']);
    assert.equal(requests[0]!.rows[0]!.json.row_key, 'k0');
    assert.equal(typeof requests[0]!.rows[0]!.json.metadata, 'string', 'JSON columns travel as JSON text');
    assert.ok(requests[1]!.rows.every((r) => typeof r.json.updated_at === 'string'));
  });

  it('splits a large pass into requests of at most 500 rows', async function () {
    const { bigquery, requests } = recordingBigQuery();
    const log = createBigQueryLog(bigquery, 'nba_orchestration');
    const rows = Array.from({ length: 1_201 }, (_, i) => executionLogRow('2031-03-01', { rowKey: `k${i}` }));
    await runActivity(log.recordExecutionLogRows, rows);
    assert.deepEqual(requests.map((r) => r.rows.length), [500, 500, 201]);
  });
});
