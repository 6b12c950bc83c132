import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { classifyBigQueryError } from '../../activities/bigquery-log';

const classify = (error: unknown) => classifyBigQueryError(error, 'a log row for 2026-01-15 (phase2_to_phase3)', 'nba_orchestration') as ApplicationFailure;

describe('BigQuery error classification', () => {
  it('an I/O timeout inside an emulator job error is retryable, even when wrapped in analyser wording', () => {
    const error = Object.assign(new Error('failed to analyze: read tcp 127.0.0.1:9050: i/o timeout'), { errors: [{ reason: 'jobInternalError' }] });
    assert.equal(classify(error).nonRetryable, false);
    assert.equal(classify(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9050'), { code: 'ECONNREFUSED' })).nonRetryable, false);
  });

  it('a statement BigQuery refuses and a missing table stay non-retryable', () => {
    assert.equal(classify(Object.assign(new Error('failed to analyze: unrecognized name: foo'), { errors: [{ reason: 'jobInternalError' }] })).nonRetryable, true);
    assert.equal(classify(Object.assign(new Error('Not found: Table nba_orchestration.phase_execution_log'), { code: 404, errors: [{ reason: 'notFound' }] })).nonRetryable, true);
  });
});
