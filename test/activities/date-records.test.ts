import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { CompletionRow, CompletionStatusRow, DateRecordsFailureDetails, DateRecordsInput } from '../../activities/activity-contracts';
import { createDateRecordsWriter, type DateRecordWriters } from '../../activities/date-records';
import { executionLogRow, projectionInput } from './activity-fixtures';

const GAME_DATE = '2031-02-03';

/** Writers that record the order of calls and fail on demand: this tests the composition, not the stores. */
function fakeWriters(fail: Partial<Record<keyof DateRecordWriters, () => Error>> = {}) {
  const calls: string[] = [];
  const step = (name: keyof DateRecordWriters) => async () => {
    calls.push(`${name}:start`);
    await new Promise((r) => setTimeout(r, name === 'projectCompletionDocument' ? 30 : 1));
    const error = fail[name]?.();
    if (error) throw error;
    calls.push(`${name}:done`);
  };
  const writers: DateRecordWriters = {
    projectCompletionDocument: step('projectCompletionDocument'),
    recordCompletionRows: step('recordCompletionRows'),
    recordExecutionLogRows: step('recordExecutionLogRows'),
    upsertCompletionStatuses: step('upsertCompletionStatuses'),
  };
  return { calls, writers };
}

function input(): DateRecordsInput {
  return {
    gameDate: GAME_DATE,
    projections: [projectionInput(GAME_DATE)],
    completionRows: [{ rowKey: 'r1' } as CompletionRow],
    logRows: [executionLogRow(GAME_DATE)],
    statusRows: [{ phase: 'phase2_to_phase3', game_date: GAME_DATE } as CompletionStatusRow],
  };
}

async function run(writers: DateRecordWriters, heartbeatDetails?: unknown) {
  const env = new MockActivityEnvironment(heartbeatDetails === undefined ? undefined : { heartbeatDetails });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const outcome = await env.run(createDateRecordsWriter(writers), input()).then(
    () => null,
    (error: unknown) => error,
  );
  return { outcome, heartbeats };
}

function details(error: unknown): DateRecordsFailureDetails {
  assert.ok(error instanceof ApplicationFailure, String(error));
  assert.equal(error.type, 'DateRecordsIncomplete');
  return error.details?.[0] as DateRecordsFailureDetails;
}

describe('activities: writeDateRecords (one activity per writer pass)', function () {
  it('writes every part; a log row only after the projections have settled', async () => {
    const { calls, writers } = fakeWriters();
    const { outcome, heartbeats } = await run(writers);
    assert.equal(outcome, null);
    assert.ok(calls.indexOf('recordExecutionLogRows:start') > calls.indexOf('projectCompletionDocument:done'), calls.join(' '));
    assert.ok(calls.indexOf('upsertCompletionStatuses:start') > calls.indexOf('recordExecutionLogRows:done'));
    assert.deepEqual(new Set((heartbeats.at(-1) as { written: string[] }).written), new Set(['projections', 'completionRows', 'logRows', 'statusRows']));
  });

  it('a Firestore outage does not stop BigQuery; the failure names what was written and is retryable', async () => {
    const { calls, writers } = fakeWriters({ projectCompletionDocument: () => ApplicationFailure.retryable('Firestore unavailable', 'FirestoreUnavailable') });
    const { outcome } = await run(writers);
    const d = details(outcome);
    assert.equal((outcome as ApplicationFailure).nonRetryable, false);
    assert.deepEqual(d.written.sort(), ['completionRows', 'logRows', 'statusRows']);
    assert.deepEqual(d.failed.map((f) => [f.part, f.store, f.type]), [['projections', 'firestore', 'FirestoreUnavailable']]);
    assert.ok(calls.includes('recordExecutionLogRows:done'), 'the log row still follows the (failed) projection');
  });

  it('stops BigQuery at its first failure, and is non-retryable only when every failure is', async () => {
    const { calls, writers } = fakeWriters({ recordCompletionRows: () => ApplicationFailure.nonRetryable('table missing', 'BigQueryTableMissing') });
    const { outcome } = await run(writers);
    const d = details(outcome);
    assert.equal((outcome as ApplicationFailure).nonRetryable, true);
    assert.deepEqual(d.written, ['projections']);
    assert.ok(!calls.some((c) => c.startsWith('recordExecutionLogRows') || c.startsWith('upsertCompletionStatuses')), calls.join(' '));

    const mixed = fakeWriters({ recordCompletionRows: () => ApplicationFailure.nonRetryable('table missing', 'BigQueryTableMissing'), projectCompletionDocument: () => new Error('socket hang up') });
    assert.equal(((await run(mixed.writers)).outcome as ApplicationFailure).nonRetryable, false);
  });

  it('a retry skips the parts an earlier attempt recorded in its heartbeat', async () => {
    const { calls, writers } = fakeWriters();
    const { outcome } = await run(writers, { written: ['projections', 'completionRows', 'bogus'] });
    assert.equal(outcome, null);
    assert.deepEqual(calls.filter((c) => c.endsWith(':start')), ['recordExecutionLogRows:start', 'upsertCompletionStatuses:start']);
  });
});
