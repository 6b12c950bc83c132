/**
 * Deadlines a date keeps although no message announces them: a round with no trigger some time after its first
 * completion (overdue), a phase that stays silent after its upstream triggered (silence), a planned transition
 * that received nothing by its planned time (planned). Each escalates in the same two steps, error then critical.
 * Pure: the workflow arms one timer for the nearest deadline and applies what is due.
 */
import type { GameDateMode } from '../../contract/game-date-mode';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { evaluateRule, missingProcessors, type RuleDecision } from '../../contract/transition-rules';
import { raise } from './alerts';
import { queueLog } from './records';
import { allTransitionsSettled, completedKeys, isRoundSettled, isTransitionSettled, MAIN_ROUND, markOverdue, newRound, transitionOf, type GameDateState, type Round, type TransitionState } from './state';

export const MINUTE = 60_000;
/** An error first, then one critical alert; after that the condition stays visible in search attributes. */
const ESCALATION_STEPS = 2;

export interface Escalation {
  step: number;
  at: number;
}

/** The next step of an escalation that has alerted `sent` times, when its deadline applies at all. */
function nextEscalation(sent: number, deadlineOf: (step: number) => number | null): Escalation | null {
  if (sent >= ESCALATION_STEPS) return null;
  const step = sent + 1;
  const at = deadlineOf(step);
  return at === null ? null : { step, at };
}

function isDue(escalation: Escalation | null, now: number): escalation is Escalation {
  return escalation !== null && now >= escalation.at;
}

export function overdueEscalation(def: TransitionDefinition, round: Round): Escalation | null {
  return nextEscalation(round.overdueAlerts, (step) =>
    round.firstCompletionAt === null || isRoundSettled(round) || round.state === 'triggering' ? null : round.firstCompletionAt + step * def.overdueAfterMinutes * MINUTE,
  );
}

export function silenceEscalation(def: TransitionDefinition, transition: TransitionState): Escalation | null {
  return nextEscalation(transition.silenceAlerts, (step) =>
    transition.expectedSince === null || transition.firstCompletionAt !== null ? null : transition.expectedSince + step * def.overdueAfterMinutes * MINUTE,
  );
}

export function plannedEscalation(def: TransitionDefinition, transition: TransitionState): Escalation | null {
  return nextEscalation(transition.plannedAlerts, (step) =>
    transition.plannedBy === null || transition.firstCompletionAt !== null || isTransitionSettled(def, transition)
      ? null
      : transition.plannedBy + (step - 1) * def.overdueAfterMinutes * MINUTE,
  );
}

/** Attempts after which a failed trigger waits for a completion or an operator instead of its own timer. */
export const AUTOMATIC_TRIGGER_ATTEMPTS = 5;
const FIRST_RETRY_DELAY = 5 * MINUTE;
const LONGEST_RETRY_DELAY = 60 * MINUTE;

/**
 * When a failed trigger is tried again on its own (its activity's retry budget was spent): 5 min after the first
 * failed attempt, doubling up to an hour, until AUTOMATIC_TRIGGER_ATTEMPTS; null when no retry is due.
 */
export function triggerRetryAt(round: Round): number | null {
  if (round.state !== 'failed' || round.failedAt === null || round.trigger === null || round.attempts >= AUTOMATIC_TRIGGER_ATTEMPTS) return null;
  return round.failedAt + Math.min(FIRST_RETRY_DELAY * 2 ** Math.max(round.attempts - 1, 0), LONGEST_RETRY_DELAY);
}

/** The transition's rule applied to one round, at `now`. */
export function roundDecision(def: TransitionDefinition, transition: TransitionState, round: Round, now: number): RuleDecision {
  return evaluateRule(def, {
    completed: completedKeys(transition),
    firstCompletionAt: round.firstCompletionAt,
    now,
    mode: def.rule.kind === 'mode_aware' ? (round.key as GameDateMode) : undefined,
  });
}

export function quietPeriodEndsAt(definition: PipelineDefinition, state: GameDateState): number {
  return state.lastActivityAt + definition.quietPeriodMinutes * MINUTE;
}

export function lifetimeEndsAt(definition: PipelineDefinition, state: GameDateState): number {
  return state.startedAt + definition.maxLifetimeHours * 60 * MINUTE;
}

/** Something that must happen at `at` even if no message arrives, in words an operator reads. */
export interface Deadline {
  at: number;
  label: string;
  transition: string | null;
}

/** What a rule waits for when it asks to be evaluated again: a timeout or the next tier. */
function ruleDeadlineLabel(def: TransitionDefinition, round: Round, at: number): string {
  const rule = def.rule;
  const roundName = round.key === MAIN_ROUND ? '' : ` (${round.key})`;
  const first = round.firstCompletionAt;
  if (rule.kind === 'tiered' && first !== null) {
    const tier = rule.tiers.findIndex((t) => first + t.afterMinutes * MINUTE === at);
    if (tier >= 0) return `${def.name}${roundName} tier-${tier + 1} timeout`;
  }
  return `${def.name}${roundName} deadline`;
}

/** Every deadline the date keeps now, nearest first. */
export function upcomingDeadlines(definition: PipelineDefinition, state: GameDateState, now: number, retryFailedTriggers = true): Deadline[] {
  const deadlines: Deadline[] = [];
  for (const def of definition.transitions) {
    const transition = transitionOf(state, def.name);
    if (transition.skipped) continue;
    const add = (at: number, label: string) => deadlines.push({ at, label, transition: def.name });
    for (const round of Object.values(transition.rounds)) {
      const roundName = round.key === MAIN_ROUND ? '' : ` (${round.key})`;
      if (def.rule.kind !== 'per_batch' && !isRoundSettled(round) && round.state !== 'failed') {
        const decision = roundDecision(def, transition, round, now);
        if (decision.kind === 'wait' && decision.nextEvaluationAt !== null) add(decision.nextEvaluationAt, ruleDeadlineLabel(def, round, decision.nextEvaluationAt));
      }
      const overdue = overdueEscalation(def, round);
      if (overdue) add(overdue.at, `${def.name}${roundName} overdue ${overdue.step === 1 ? 'alert' : 'critical alert'}`);
      const retry = retryFailedTriggers ? triggerRetryAt(round) : null;
      if (retry !== null) add(retry, `${def.name}${roundName} trigger retry ${round.attempts + 1}`);
    }
    const silence = silenceEscalation(def, transition);
    if (silence) add(silence.at, `${def.phase} silence ${silence.step === 1 ? 'alert' : 'critical alert'}`);
    const planned = plannedEscalation(def, transition);
    if (planned) add(planned.at, `${def.name} planned-date ${planned.step === 1 ? 'overdue alert' : 'critical alert'}`);
  }
  if (allTransitionsSettled(definition, state)) deadlines.push({ at: quietPeriodEndsAt(definition, state), label: 'date closes (quiet period over)', transition: null });
  deadlines.push({ at: lifetimeEndsAt(definition, state), label: 'end of the date\'s lifetime', transition: null });
  // Stable for equal times: the first-added (transition order) wins.
  return deadlines.sort((a, b) => a.at - b.at);
}

/** The nearest deadline: the workflow's one timer is armed for it. */
export function nextDeadline(definition: PipelineDefinition, state: GameDateState, now: number, retryFailedTriggers = true): Deadline | null {
  return upcomingDeadlines(definition, state, now, retryFailedTriggers)[0] ?? null;
}

/** The nearest moment at which something must happen even if no message arrives. */
export function nextWakeAt(definition: PipelineDefinition, state: GameDateState, now: number, retryFailedTriggers = true): number | null {
  return nextDeadline(definition, state, now, retryFailedTriggers)?.at ?? null;
}

function minutesSince(at: number | null, now: number): number {
  return Math.round((now - (at ?? now)) / MINUTE);
}

/** A round with no trigger: its first step writes an `overdue` log row; every step alerts. */
export function escalateOverdueRound(state: GameDateState, def: TransitionDefinition, round: Round, now: number): void {
  const due = overdueEscalation(def, round);
  if (!isDue(due, now)) return;
  markOverdue(round, due.step);
  const missing = missingProcessors(def, completedKeys(transitionOf(state, def.name)));
  if (due.step === 1) queueLog(state, def, round, 'overdue', now, { missing_processors: missing });
  raise(state, {
    severity: due.step === 1 ? 'error' : 'critical',
    title: `${def.name} overdue for ${state.gameDate}${due.step > 1 ? ' (still)' : ''}`,
    text: `No trigger ${minutesSince(round.firstCompletionAt, now)} min after the first completion (${round.key}). State: ${round.state}. Missing: ${missing.join(', ') || 'none'}${round.error ? `. Last error: ${round.error}` : ''}.`,
    dedupKey: `${state.pipeline}:${state.gameDate}:${def.name}:${round.key}:${round.generation}:overdue:${due.step}`,
    transition: def.name,
    now,
  });
}

/** A phase that has not reported since its upstream transition triggered. */
export function escalateSilence(state: GameDateState, def: TransitionDefinition, transition: TransitionState, now: number): void {
  const due = silenceEscalation(def, transition);
  if (!isDue(due, now)) return;
  transition.silenceAlerts = due.step;
  raise(state, {
    severity: due.step === 1 ? 'error' : 'critical',
    title: `No ${def.phase} completion for ${state.gameDate}`,
    text: `The upstream transition triggered ${minutesSince(transition.expectedSince, now)} min ago, but no processor of ${def.name} has reported since. Check the ${def.phase} services.`,
    dedupKey: `${state.pipeline}:${state.gameDate}:${def.name}:silent:${due.step}`,
    transition: def.name,
    now,
  });
}

/** A planned transition that has received nothing by its planned time: its first step writes an `overdue` log row. */
export function escalatePlanned(state: GameDateState, def: TransitionDefinition, transition: TransitionState, now: number): void {
  const due = plannedEscalation(def, transition);
  if (!isDue(due, now)) return;
  transition.plannedAlerts = due.step;
  const plannedBy = new Date(transition.plannedBy ?? now).toISOString();
  if (due.step === 1) queueLog(state, def, newRound('planned'), 'overdue', now, { planned: true, expected_by: plannedBy, missing_processors: def.expectedProcessors });
  raise(state, {
    severity: due.step === 1 ? 'error' : 'critical',
    title: `${def.name} overdue for ${state.gameDate}${due.step > 1 ? ' (still)' : ''}: nothing received`,
    text: `${state.gameDate} is a planned date, but no ${def.phase} completion has arrived although the first was expected by ${plannedBy} (${minutesSince(transition.plannedBy, now)} min ago). Check the ${def.phase} services and their schedules.`,
    dedupKey: `${state.pipeline}:${state.gameDate}:${def.name}:planned:overdue:${due.step}`,
    transition: def.name,
    now,
  });
}
