import assert from 'node:assert/strict';
import { bareTableName, isCalendarDate } from '../../contract/completion-fields';
import { parseCompletionMessage } from '../../contract/completion-message';

const valid = {
  processor_name: 'PlayerGameSummaryProcessor',
  phase: 'phase_3_analytics',
  execution_id: 'run-1',
  correlation_id: 'corr-1',
  game_date: '2026-01-15',
  status: 'success',
  timestamp: '2026-01-16T06:00:00Z',
  metadata: {},
};

const body = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('completion message schema', () => {
  it('accepts the contract envelope and fills the optional defaults', () => {
    const parsed = parseCompletionMessage(body({ ...valid, metadata: undefined, record_count: undefined }));
    assert.ok(parsed.ok);
    assert.equal(parsed.message.record_count, 0);
    assert.deepEqual(parsed.message.metadata, {});
  });

  it('passes unknown fields through untouched', () => {
    const parsed = parseCompletionMessage(body({ ...valid, duration_seconds: 12.5, custom_field: 'kept' }));
    assert.ok(parsed.ok);
    assert.equal(parsed.message.custom_field, 'kept');
  });

  for (const [label, gameDate] of [
    ['the string None', 'None'],
    ['the string TODAY', 'TODAY'],
    ['an impossible calendar date', '2026-02-30'],
    ['a date with a time', '2026-01-15T00:00:00Z'],
    ['a number', 20260115],
  ] as const) {
    it(`rejects a game_date that is ${label}, naming the field`, () => {
      const parsed = parseCompletionMessage(body({ ...valid, game_date: gameDate }));
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, /game_date/);
    });
  }

  it('rejects a missing game_date', () => {
    const parsed = parseCompletionMessage(body({ ...valid, game_date: undefined }));
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.reason, /game_date/);
  });

  it('rejects bad JSON, a non-object body, an unknown status and a negative record count with one-line reasons', () => {
    const reasons = ['{not json', '[1,2]', body({ ...valid, status: 'done' }), body({ ...valid, record_count: -1 })].map((b) => {
      const parsed = parseCompletionMessage(b);
      assert.equal(parsed.ok, false);
      return parsed.ok ? '' : parsed.reason;
    });
    assert.match(reasons[0] ?? '', /not JSON/);
    assert.match(reasons[1] ?? '', /not a JSON object/);
    assert.match(reasons[2] ?? '', /status/);
    assert.match(reasons[3] ?? '', /record_count/);
    for (const reason of reasons) assert.doesNotMatch(reason, /\n/);
  });

  it('decodes a UTF-8 byte body', () => {
    assert.ok(parseCompletionMessage(new TextEncoder().encode(body(valid))).ok);
  });

  it('knows calendar dates and strips table prefixes', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2025-02-29'), false);
    assert.equal(bareTableName('nba_analytics.player_game_summary'), 'player_game_summary');
    assert.equal(bareTableName('project.nba_analytics.player_game_summary'), 'player_game_summary');
    assert.equal(bareTableName(undefined), undefined);
  });
});
