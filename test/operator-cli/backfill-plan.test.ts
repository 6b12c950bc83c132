/** The backfill's per-date decision from evidence, its range, and the checkpoint that makes it resumable. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyDate, readCheckpoint, writeCheckpoint } from '../../operator-cli/backfill';
import { dateRange } from '../../operator-cli/date-runs';
import { initialState } from '../../workflows/game-date/state';
import { nbaDefinition } from '../workflows/workflow-test-kit';

describe('backfill plan', () => {
  const definition = nbaDefinition();
  const names = definition.transitions.map((t) => t.name);

  it('starts a calendar date without a workflow, and skips one the calendar does not list', () => {
    assert.deepEqual(classifyDate(definition, '2026-01-10', { inCalendar: true, workflowStatus: null }), { gameDate: '2026-01-10', action: 'start', evidence: 'no workflow; in the calendar', transitions: names });
    assert.equal(classifyDate(definition, '2026-01-11', { inCalendar: false, workflowStatus: null }).action, 'skip-not-scheduled');
    // Beyond the planner's lead, a date started now would reach the end of its lifetime before its games.
    assert.equal(classifyDate(definition, '2026-01-12', { inCalendar: true, workflowStatus: null }, '2026-01-11').action, 'skip-future');
    assert.equal(classifyDate(definition, '2026-01-11', { inCalendar: true, workflowStatus: null }, '2026-01-11').action, 'start');
  });

  it('leaves a running date, skips a settled one, re-opens one with unsettled transitions naming them', () => {
    assert.equal(classifyDate(definition, '2026-01-10', { inCalendar: true, workflowStatus: 'RUNNING' }).action, 'leave-running');
    const state = initialState(definition, '2026-01-10', 0);
    const open = classifyDate(definition, '2026-01-10', { inCalendar: true, workflowStatus: 'TERMINATED', finalState: state });
    assert.equal(open.action, 'reopen');
    assert.deepEqual(open.transitions, names);
    assert.match(open.evidence, /terminated; 4 transition\(s\) unsettled/);
    for (const name of names) state.transitions[name]!.skipped = { reason: 'test', operator: 'test' };
    assert.equal(classifyDate(definition, '2026-01-10', { inCalendar: false, workflowStatus: 'COMPLETED', finalState: state }).action, 'skip-settled');
  });

  it('fails a closed date whose state cannot be read, saying why', () => {
    const plan = classifyDate(definition, '2026-01-10', { inCalendar: true, workflowStatus: 'FAILED', stateError: 'no worker' });
    assert.equal(plan.action, 'fail-unreadable');
    assert.match(plan.evidence, /failed; its state cannot be read: no worker/);
  });

  it('spans a range inclusively, across a month end', () => {
    assert.deepEqual(dateRange('2026-01-30', '2026-02-02'), ['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    assert.deepEqual(dateRange('2026-01-30', '2026-01-30'), ['2026-01-30']);
  });

  it('keeps done dates in a checkpoint for the same range only', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'backfill-')), 'nested', 'cp.json');
    const identity = { pipeline: 'nba', from: '2026-01-01', to: '2026-01-05' };
    assert.deepEqual(readCheckpoint(path, identity).done, {}, 'no file yet: nothing done');
    writeCheckpoint(path, { ...identity, done: { '2026-01-01': 'started' }, updatedAt: '' });
    assert.deepEqual(readCheckpoint(path, identity).done, { '2026-01-01': 'started' });
    assert.ok((JSON.parse(readFileSync(path, 'utf8')) as { updatedAt?: string }).updatedAt);
    assert.throws(() => readCheckpoint(path, { ...identity, to: '2026-01-06' }), /belongs to nba 2026-01-01\.\.2026-01-05/);
  });
});
