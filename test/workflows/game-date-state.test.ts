/**
 * The game-date state module and its deadlines as pure functions: no Temporal, no services. Each round
 * transition is exercised through the named functions that are the only writers of a round's state.
 */
import assert from 'node:assert/strict';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import type { TransitionDefinition } from '../../contract/pipeline-definition';
import type { TriggerContext } from '../../contract/trigger-payloads';
import { applyCompletion } from '../../workflows/game-date/completions';
import { AUTOMATIC_TRIGGER_ATTEMPTS, escalateOverdueRound, escalatePlanned, escalateSilence, MINUTE, nextDeadline, nextWakeAt, overdueEscalation, triggerRetryAt, upcomingDeadlines } from '../../workflows/game-date/deadlines';
import {
  freezeTrigger,
  initialState,
  isRoundSettled,
  isTransitionSettled,
  markBlocked,
  markFailed,
  markForced,
  markOverdue,
  markPublished,
  markTriggered,
  markTriggering,
  newRound,
  openRound,
  rearmRound,
  skipRound,
  transitionOf,
  type GameDateState,
} from '../../workflows/game-date/state';
import { dateStatus } from '../../workflows/game-date/status';
import { completion, PHASE2 } from './completions';

const definition = loadPipelineDefinition();
const GAME_DATE = '2026-01-15';
const T0 = Date.parse('2026-01-15T12:00:00Z');

function def(name: string): TransitionDefinition {
  const found = definition.transitions.find((t) => t.name === name);
  assert.ok(found, `pipeline has ${name}`);
  return found;
}

function freshState(): GameDateState {
  return initialState(definition, GAME_DATE, T0);
}

const trigger = { triggerId: 'nba:2026-01-15:phase2_to_phase3:main:0' } as TriggerContext;

describe('game-date state (pure)', () => {
  describe('round transitions', () => {
    it('a trigger attempt counts attempts, fails re-triggerably, then settles as triggered', () => {
      const round = newRound('main');
      freezeTrigger(round, { kind: 'trigger', reason: 'all_complete', status: 'complete', missing: [] }, trigger);
      assert.equal(round.trigger, trigger);
      assert.equal(round.reason, 'all_complete');
      markTriggering(round);
      markFailed(round, 'publish refused', T0 + 500);
      assert.equal(round.state, 'failed');
      assert.equal(round.failedAt, T0 + 500);
      assert.equal(round.attempts, 1);
      assert.equal(isRoundSettled(round), false, 'a failed round can still trigger');
      markTriggering(round);
      markPublished(round);
      markTriggered(round, 'trigger', T0 + 1000);
      assert.deepEqual([round.state, round.attempts, round.published, round.triggeredAt, round.error], ['triggered', 2, true, T0 + 1000, null]);
      assert.equal(isRoundSettled(round), true);
    });

    it('monitor mode settles as monitored, not triggered', () => {
      const round = newRound('main');
      markTriggered(round, 'monitor', T0);
      assert.equal(round.state, 'monitored');
      assert.equal(isRoundSettled(round), true);
    });

    it('a block records its reason and what is missing, and stays open', () => {
      const round = newRound('main');
      markBlocked(round, { kind: 'block', reason: 'circuit_breaker_critical', missing: ['ml_feature_store'], explanation: 'critical missing' });
      assert.deepEqual([round.state, round.blockReason, round.reason, round.missing], ['blocked', 'circuit_breaker_critical', 'circuit_breaker_critical', ['ml_feature_store']]);
      assert.equal(isRoundSettled(round), false);
    });

    it('overdue turns only a waiting round overdue; a blocked round keeps its state', () => {
      const waiting = newRound('main');
      markOverdue(waiting, 1);
      assert.deepEqual([waiting.state, waiting.overdueAlerts], ['overdue', 1]);
      const blocked = newRound('main');
      markBlocked(blocked, { kind: 'block', reason: 'r', missing: [], explanation: 'e' });
      markOverdue(blocked, 2);
      assert.deepEqual([blocked.state, blocked.overdueAlerts], ['blocked', 2]);
    });

    it('re-arm starts a new generation and lifts a skip; skip without a round skips the whole transition', () => {
      const transition = transitionOf(freshState(), 'phase2_to_phase3');
      const skipped = skipRound(transition, 'main', false, { reason: 'no games', operator: 'ops' });
      assert.equal(skipped.state, 'skipped');
      assert.equal(skipped.reason, 'operator_skip: no games');
      assert.deepEqual(transition.skipped, { reason: 'no games', operator: 'ops' });
      assert.equal(isTransitionSettled(def('phase2_to_phase3'), transition), true);

      const rearmed = rearmRound(transition, 'main', T0 + 5);
      assert.deepEqual([rearmed.state, rearmed.generation, rearmed.firstCompletionAt, transition.skipped], ['waiting', 1, T0 + 5, null]);
      assert.equal(transition.rounds.main, rearmed);
      assert.equal(isTransitionSettled(def('phase2_to_phase3'), transition), false);

      skipRound(transition, 'main', true, { reason: 'just this round', operator: 'ops' });
      assert.equal(transition.skipped, null, 'skipping one round leaves the transition open to others');
    });

    it('a forced round keeps its first completion time and names the operator', () => {
      const transition = transitionOf(freshState(), 'phase4_to_phase5');
      const round = openRound(transition, 'main');
      assert.equal(openRound(transition, 'main'), round, 'opening an existing round returns it');
      markForced(round, 'alice', T0);
      markForced(round, 'bob', T0 + 10);
      assert.deepEqual([round.firstCompletionAt, round.forcedBy], [T0, 'bob']);
    });

    it('a mode-aware transition is settled by its overnight round only; per-batch by any triggered batch', () => {
      const state = freshState();
      const phase3 = transitionOf(state, 'phase3_to_phase4');
      markTriggered(openRound(phase3, 'same_day'), 'trigger', T0);
      assert.equal(isTransitionSettled(def('phase3_to_phase4'), phase3), false);
      markTriggered(openRound(phase3, 'overnight'), 'trigger', T0);
      assert.equal(isTransitionSettled(def('phase3_to_phase4'), phase3), true);

      const phase5 = transitionOf(state, 'phase5_to_phase6');
      skipRound(phase5, 'batch-1', true, { reason: 'low', operator: 'ops' });
      assert.equal(isTransitionSettled(def('phase5_to_phase6'), phase5), false);
      markTriggered(openRound(phase5, 'batch-2'), 'trigger', T0);
      assert.equal(isTransitionSettled(def('phase5_to_phase6'), phase5), true);
    });
  });

  describe('applying completions', () => {
    it('counts a completion once, whether redelivered under the same or another message id', () => {
      const state = freshState();
      const signal = completion('phase_2_raw', 'BdlPlayerBoxScoresProcessor', GAME_DATE, { execution_id: 'run-1' });
      const first = applyCompletion(definition, state, signal, T0);
      assert.equal(first.kind, 'recorded', 'a known but not expected processor is recorded, not counted');
      const expected = completion('phase_2_raw', 'OddsApiGameLinesProcessor', GAME_DATE, { execution_id: 'run-2' });
      assert.equal(applyCompletion(definition, state, expected, T0).kind, 'counted');
      assert.equal(applyCompletion(definition, state, expected, T0).kind, 'duplicate');
      assert.equal(applyCompletion(definition, state, { ...expected, messageId: 'other-id' }, T0).kind, 'duplicate');
      assert.equal(state.duplicatesDropped, 2);
      assert.deepEqual(Object.keys(transitionOf(state, 'phase2_to_phase3').processors), ['p2_odds_game_lines']);
      assert.equal(state.pendingCompletionRows.length, 2, 'both distinct runs are recorded');
    });
  });

  describe('deadlines', () => {
    it('an open round escalates twice (error, then critical), one overdue log row, then stops', () => {
      const state = freshState();
      const phase2 = def('phase2_to_phase3');
      applyCompletion(definition, state, completion('phase_2_raw', PHASE2[0] as string, GAME_DATE), T0);
      const round = openRound(transitionOf(state, phase2.name), 'main');
      const step = phase2.overdueAfterMinutes * MINUTE;
      assert.deepEqual(overdueEscalation(phase2, round), { step: 1, at: T0 + step });

      escalateOverdueRound(state, phase2, round, T0 + step - 1);
      assert.equal(round.overdueAlerts, 0, 'not before its time');
      escalateOverdueRound(state, phase2, round, T0 + step);
      escalateOverdueRound(state, phase2, round, T0 + step);
      assert.deepEqual([round.state, round.overdueAlerts], ['overdue', 1]);
      escalateOverdueRound(state, phase2, round, T0 + 2 * step);
      assert.equal(round.overdueAlerts, 2);
      assert.equal(overdueEscalation(phase2, round), null, 'two steps only');
      escalateOverdueRound(state, phase2, round, T0 + 10 * step);

      assert.deepEqual(state.undeliveredAlerts.map((a) => a.severity), ['error', 'critical']);
      assert.deepEqual(state.pendingLogRows.map((r) => r.status), ['overdue']);
    });

    it('a settled round has no overdue deadline', () => {
      const round = newRound('main');
      round.firstCompletionAt = T0;
      markTriggered(round, 'trigger', T0);
      assert.equal(overdueEscalation(def('phase2_to_phase3'), round), null);
    });

    it('silence after an upstream trigger, and a planned date that received nothing, each escalate once per step', () => {
      const state = freshState();
      const phase3 = def('phase3_to_phase4');
      const transition = transitionOf(state, phase3.name);
      transition.expectedSince = T0;
      transition.plannedBy = T0;
      escalatePlanned(state, phase3, transition, T0);
      escalateSilence(state, phase3, transition, T0 + phase3.overdueAfterMinutes * MINUTE);
      assert.deepEqual([transition.plannedAlerts, transition.silenceAlerts], [1, 1]);
      assert.deepEqual(state.pendingLogRows.map((r) => [r.status, r.metadata.planned]), [['overdue', true]]);
      assert.equal(state.undeliveredAlerts.length, 2);
    });

    it('the next wake-up is the nearest of rule deadlines, escalations, and the end of life', () => {
      const state = freshState();
      assert.equal(nextWakeAt(definition, state, T0), T0 + definition.maxLifetimeHours * 60 * MINUTE, 'an idle date only waits for its end of life');
      applyCompletion(definition, state, completion('phase_2_raw', PHASE2[0] as string, GAME_DATE), T0);
      const rule = def('phase2_to_phase3').rule;
      assert.ok(rule.kind === 'all' && rule.deadlineMinutes !== undefined);
      assert.equal(nextWakeAt(definition, state, T0), T0 + rule.deadlineMinutes * MINUTE, "phase 2's deadline comes before its overdue alert");
    });

    it('each deadline says what it is: a rule timeout, an overdue alert, a tier, the end of life', () => {
      const state = freshState();
      assert.deepEqual(nextDeadline(definition, state, T0), { at: T0 + definition.maxLifetimeHours * 60 * MINUTE, label: "end of the date's lifetime", transition: null });
      applyCompletion(definition, state, completion('phase_2_raw', PHASE2[0] as string, GAME_DATE), T0);
      assert.deepEqual(nextDeadline(definition, state, T0), { at: nextWakeAt(definition, state, T0), label: 'phase2_to_phase3 deadline', transition: 'phase2_to_phase3' });
      const tiered = definition.transitions.find((t) => t.rule.kind === 'tiered');
      assert.ok(tiered && tiered.rule.kind === 'tiered');
      const transition = transitionOf(state, tiered.name);
      const round = openRound(transition, 'main');
      round.firstCompletionAt = T0;
      transition.firstCompletionAt = T0;
      const labels = upcomingDeadlines(definition, state, T0).filter((d) => d.transition === tiered.name).map((d) => d.label);
      assert.ok(labels.includes(`${tiered.name} tier-1 timeout`), labels.join('; '));
      assert.ok(labels.includes(`${tiered.name} overdue alert`), labels.join('; '));
    });

    it('the status names the next deadline and the latest alert', () => {
      const state = freshState();
      assert.equal(dateStatus(definition, state, false, T0).lastAlert, null);
      applyCompletion(definition, state, completion('phase_2_raw', PHASE2[0] as string, GAME_DATE), T0);
      const phase2 = def('phase2_to_phase3');
      const round = transitionOf(state, phase2.name).rounds.main;
      assert.ok(round);
      escalateOverdueRound(state, phase2, round, T0 + phase2.overdueAfterMinutes * MINUTE);
      const status = dateStatus(definition, state, false, T0);
      assert.deepEqual(status.lastAlert, { at: new Date(T0 + phase2.overdueAfterMinutes * MINUTE).toISOString(), severity: 'error', title: `phase2_to_phase3 overdue for ${GAME_DATE}` });
      assert.equal(status.nextDeadline?.transition, 'phase2_to_phase3');
      assert.equal(status.nextDeadline?.at, new Date(nextWakeAt(definition, state, T0) ?? 0).toISOString());
    });

    it('a failed trigger is retried on its own with back-off (5, 10, 20, 40 min), then waits for a completion or an operator', () => {
      const round = newRound('main');
      freezeTrigger(round, { kind: 'trigger', reason: 'all_complete', status: 'complete', missing: [] }, trigger);
      const delays: number[] = [];
      let failedAt = T0;
      for (let attempt = 1; attempt <= AUTOMATIC_TRIGGER_ATTEMPTS; attempt += 1) {
        markTriggering(round);
        markFailed(round, 'publish refused', failedAt);
        const retryAt = triggerRetryAt(round);
        if (retryAt === null) break;
        delays.push((retryAt - failedAt) / MINUTE);
        failedAt = retryAt + 1_000;
      }
      assert.deepEqual(delays, [5, 10, 20, 40]);
      assert.equal(round.attempts, AUTOMATIC_TRIGGER_ATTEMPTS);
      assert.equal(triggerRetryAt(round), null, 'the budget of automatic attempts is spent');
      assert.equal(triggerRetryAt(newRound('main')), null, 'a waiting round has no retry');
    });

    it("a failed round's retry is a wake-up, unless retries are off (dates started before them)", () => {
      const state = freshState();
      const round = openRound(transitionOf(state, 'phase2_to_phase3'), 'main');
      freezeTrigger(round, { kind: 'trigger', reason: 'all_complete', status: 'complete', missing: [] }, trigger);
      markTriggering(round);
      markFailed(round, 'publish refused', T0);
      assert.equal(nextWakeAt(definition, state, T0), T0 + 5 * MINUTE);
      assert.equal(nextWakeAt(definition, state, T0, false), T0 + definition.maxLifetimeHours * 60 * MINUTE);
    });
  });
});
