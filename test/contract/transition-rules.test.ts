import assert from 'node:assert/strict';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { gameDateMode } from '../../contract/game-date-mode';
import { evaluateBatch, evaluateRule } from '../../contract/transition-rules';

const definition = loadPipelineDefinition();
const byName = (name: string) => {
  const found = definition.transitions.find((t) => t.name === name);
  if (!found) throw new Error(name);
  return found;
};
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 16, 6, 0);

describe('transition rules (pure)', () => {
  it('derives the Phase 3 mode from the New York calendar date, not UTC', () => {
    // 03:00 UTC on Jan 16 is still Jan 15 in New York.
    const at = Date.UTC(2026, 0, 16, 3, 0);
    assert.equal(gameDateMode('2026-01-15', at, 'America/New_York'), 'same_day');
    assert.equal(gameDateMode('2026-01-14', at, 'America/New_York'), 'overnight');
    assert.equal(gameDateMode('2026-01-16', at, 'America/New_York'), 'tomorrow');
  });

  it('all: waits until the deadline, then triggers partially with what is there', () => {
    const rule = byName('phase2_to_phase3');
    const waiting = evaluateRule(rule, { completed: ['p2_odds_game_lines'], firstCompletionAt: T0, now: T0 + 10 * MINUTE });
    assert.deepEqual(waiting.kind === 'wait' && waiting.nextEvaluationAt, T0 + 30 * MINUTE);
    const late = evaluateRule(rule, { completed: ['p2_odds_game_lines'], firstCompletionAt: T0, now: T0 + 30 * MINUTE });
    assert.equal(late.kind === 'trigger' && late.reason, 'deadline_exceeded');
  });

  it('mode-aware: critical plus majority overnight names the percentage; pre-game needs one processor', () => {
    const rule = byName('phase3_to_phase4');
    const overnight = evaluateRule(rule, { completed: ['player_game_summary', 'upcoming_player_game_context', 'team_offense_game_summary', 'team_defense_game_summary'], firstCompletionAt: T0, now: T0, mode: 'overnight' });
    assert.equal(overnight.kind === 'trigger' && overnight.reason, 'critical_plus_majority_80pct');
    assert.equal(evaluateRule(rule, { completed: ['player_game_summary', 'team_offense_game_summary', 'team_defense_game_summary'], firstCompletionAt: T0, now: T0, mode: 'overnight' }).kind, 'wait');
    assert.equal(evaluateRule(rule, { completed: ['upcoming_player_game_context'], firstCompletionAt: T0, now: T0, mode: 'tomorrow' }).kind, 'trigger');
  });

  it('tiered: each tier at its time, the circuit breaker blocks without the critical processors', () => {
    const rule = byName('phase4_to_phase5');
    const four = ['team_defense_zone_analysis', 'player_shot_zone_analysis', 'player_daily_cache', 'ml_feature_store'];
    assert.equal(evaluateRule(rule, { completed: four, firstCompletionAt: T0, now: T0 + 59 * MINUTE }).kind, 'wait');
    const tier2 = evaluateRule(rule, { completed: four, firstCompletionAt: T0, now: T0 + 60 * MINUTE });
    assert.equal(tier2.kind === 'trigger' && tier2.reason, 'tier2_timeout');
    const tier3 = evaluateRule(rule, { completed: four.slice(1), firstCompletionAt: T0, now: T0 + 120 * MINUTE });
    assert.equal(tier3.kind === 'trigger' && tier3.reason, 'tier3_timeout');
    const withoutCritical = evaluateRule(rule, { completed: ['team_defense_zone_analysis', 'player_shot_zone_analysis', 'player_composite_factors'], firstCompletionAt: T0, now: T0 + 120 * MINUTE });
    assert.equal(withoutCritical.kind, 'block');
    const tooFew = evaluateRule(rule, { completed: ['player_daily_cache', 'ml_feature_store'], firstCompletionAt: T0, now: T0 + 240 * MINUTE });
    assert.equal(tooFew.kind === 'block' && tooFew.reason, 'circuit_breaker_max_timeout');
  });

  it('per batch: success or partial with completion_pct at least 80', () => {
    const rule = byName('phase5_to_phase6');
    assert.deepEqual(evaluateBatch(rule, { status: 'partial', metadata: { completion_pct: 80 } }), { qualifies: true });
    assert.deepEqual(evaluateBatch(rule, { status: 'success', metadata: { completion_pct: 79.9 } }), { qualifies: false, reason: 'completion_pct_79.9_below_80' });
    assert.deepEqual(evaluateBatch(rule, { status: 'failed', metadata: { completion_pct: 100 } }), { qualifies: false, reason: 'status_failed' });
    assert.deepEqual(evaluateBatch(rule, { status: 'success', metadata: {} }), { qualifies: false, reason: 'completion_pct_missing' });
  });
});
