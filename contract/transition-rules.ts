/**
 * Each transition's rule as a pure function of what has completed and how much time has passed.
 * The workflow calls these on every completion and whenever the returned `nextEvaluationAt` passes.
 */
import type { TransitionDefinition } from './pipeline-definition';
import type { GameDateMode } from './game-date-mode';

export type TriggerStatus = 'complete' | 'partial';

export type RuleDecision =
  | { kind: 'trigger'; reason: string; status: TriggerStatus; missing: string[] }
  /** The rule would fire but a safety check forbids it; stays re-triggerable. */
  | { kind: 'block'; reason: string; missing: string[]; explanation: string }
  | { kind: 'wait'; missing: string[]; nextEvaluationAt: number | null };

export interface RuleInput {
  /** Expected processor keys that have counted completions (order irrelevant, duplicates ignored). */
  completed: readonly string[];
  /** Epoch ms of the round's first counted completion; null when none yet. */
  firstCompletionAt: number | null;
  now: number;
  /** Only for `mode_aware` rules: the mode of the completion being evaluated. */
  mode?: GameDateMode;
}

const MINUTE = 60_000;

export function missingProcessors(transition: TransitionDefinition, completed: readonly string[]): string[] {
  const done = new Set(completed);
  return transition.expectedProcessors.filter((name) => !done.has(name));
}

export function evaluateRule(transition: TransitionDefinition, input: RuleInput): RuleDecision {
  const missing = missingProcessors(transition, input.completed);
  const rule = transition.rule;
  if (missing.length === 0 && rule.kind !== 'per_batch') return { kind: 'trigger', reason: 'all_complete', status: 'complete', missing };
  const elapsed = input.firstCompletionAt === null ? 0 : input.now - input.firstCompletionAt;
  const startedAt = input.firstCompletionAt;

  switch (rule.kind) {
    case 'all': {
      if (startedAt === null) return { kind: 'wait', missing, nextEvaluationAt: null };
      const deadline = startedAt + rule.deadlineMinutes * MINUTE;
      if (input.now >= deadline) return { kind: 'trigger', reason: 'deadline_exceeded', status: 'partial', missing };
      return { kind: 'wait', missing, nextEvaluationAt: deadline };
    }
    case 'mode_aware': {
      const done = new Set(input.completed);
      if (input.mode === 'same_day' || input.mode === 'tomorrow') {
        const ready = rule.preGameProcessors.every((name) => done.has(name));
        return ready ? { kind: 'trigger', reason: 'all_complete', status: 'complete', missing } : { kind: 'wait', missing, nextEvaluationAt: null };
      }
      const criticalPresent = transition.criticalProcessors.every((name) => done.has(name));
      const present = transition.expectedProcessors.length - missing.length;
      const percent = Math.floor((present * 100) / transition.expectedProcessors.length);
      if (criticalPresent && percent >= rule.majorityPercent) {
        return { kind: 'trigger', reason: `critical_plus_majority_${percent}pct`, status: 'partial', missing };
      }
      return { kind: 'wait', missing, nextEvaluationAt: null };
    }
    case 'tiered': {
      if (startedAt === null) return { kind: 'wait', missing, nextEvaluationAt: null };
      const present = transition.expectedProcessors.length - missing.length;
      const reached = rule.tiers.filter((tier) => elapsed >= tier.afterMinutes * MINUTE);
      const nextTier = rule.tiers.find((tier) => elapsed < tier.afterMinutes * MINUTE);
      const nextEvaluationAt = nextTier ? startedAt + nextTier.afterMinutes * MINUTE : null;
      // The most demanding tier already reached that the completions satisfy names the reason.
      const tier = reached.find((t) => present >= t.minProcessors);
      if (!tier) return { kind: 'wait', missing, nextEvaluationAt };
      const missingCritical = transition.criticalProcessors.filter((name) => missing.includes(name));
      const breaker = rule.circuitBreaker;
      if (present < breaker.minProcessors || (breaker.requireCritical && missingCritical.length > 0)) {
        const why =
          present < breaker.minProcessors
            ? `only ${present} of ${transition.expectedProcessors.length} processors completed (at least ${breaker.minProcessors} required)`
            : `critical processors missing: ${missingCritical.join(', ')}`;
        return { kind: 'block', reason: `circuit_breaker_${tier.reason}`, missing, explanation: why };
      }
      return { kind: 'trigger', reason: tier.reason, status: 'partial', missing };
    }
    case 'per_batch':
      // Batches are judged one by one with evaluateBatch; a per-batch transition never waits for a set.
      return { kind: 'wait', missing: [], nextEvaluationAt: null };
  }
}

export type BatchDecision = { qualifies: true } | { qualifies: false; reason: string };

/** Phase 5 → 6: a batch triggers an export when it succeeded (fully or partly) with enough predictions. */
export function evaluateBatch(
  transition: TransitionDefinition,
  batch: { status: string; metadata: Record<string, unknown> },
): BatchDecision {
  if (transition.rule.kind !== 'per_batch') throw new Error(`${transition.name} is not a per-batch transition`);
  if (batch.status !== 'success' && batch.status !== 'partial') return { qualifies: false, reason: `status_${batch.status}` };
  const pct = Number(batch.metadata.completion_pct);
  if (!Number.isFinite(pct)) return { qualifies: false, reason: 'completion_pct_missing' };
  if (pct < transition.rule.minCompletionPercent) {
    return { qualifies: false, reason: `completion_pct_${pct}_below_${transition.rule.minCompletionPercent}` };
  }
  return { qualifies: true };
}
