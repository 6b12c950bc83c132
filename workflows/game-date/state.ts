/**
 * A game date's durable state: its shape, its constructors, and the only functions that change a round's
 * state. No Temporal calls here: the workflow feeds in decisions and time, and performs the effects.
 */
import type { Alert, CompletionRow, ExecutionLogRow } from '../../activities/activity-contracts';
import type { CompletionSignal } from '../../contract/completion-message';
import type { GameDateMode } from '../../contract/game-date-mode';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import type { RuleDecision } from '../../contract/transition-rules';
import type { TriggerContext } from '../../contract/trigger-payloads';

export type RoundState = 'waiting' | 'triggering' | 'triggered' | 'monitored' | 'blocked' | 'overdue' | 'failed' | 'skipped';

export interface ProcessorCompletion {
  key: string;
  processorName: string;
  executionId: string;
  correlationId: string;
  status: string;
  recordCount: number;
  completedAt: string;
  receivedAt: number;
  messageId: string;
  isIncremental: boolean;
  entitiesChanged: string[];
  mode: GameDateMode | null;
}

/** One trigger opportunity: the whole date for most rules, a mode for mode-aware, a batch for per-batch. */
export interface Round {
  key: string;
  /** Bumped by an operator re-arm; part of the trigger id, so a re-armed round publishes a new trigger. */
  generation: number;
  state: RoundState;
  firstCompletionAt: number | null;
  reason: string | null;
  triggerStatus: 'complete' | 'partial' | null;
  missing: string[];
  blockReason: string | null;
  /** Frozen when the rule decides, so every retry publishes byte-identical messages. */
  trigger: TriggerContext | null;
  published: boolean;
  triggeredAt: number | null;
  attempts: number;
  error: string | null;
  /** When the last attempt failed: the automatic retry's back-off counts from here. */
  failedAt: number | null;
  overdueAlerts: number;
  forcedBy: string | null;
}

export interface ReportedRun {
  name: string;
  status: string;
  executionId: string;
  errorMessage: string | null;
  receivedAt: number;
}

export interface TransitionState {
  name: string;
  processors: Record<string, ProcessorCompletion>;
  rounds: Record<string, Round>;
  firstCompletionAt: number | null;
  lastCompletionAt: number | null;
  /** `processor:execution_id` pairs already applied: a redelivery under another message id changes nothing. */
  appliedRuns: string[];
  unknownNames: string[];
  /** `failed` and `no_data` reports: recorded, never counted. */
  reports: ReportedRun[];
  skipped: { reason: string; operator: string } | null;
  mode: GameDateMode | null;
  /** When the upstream transition triggered: from then on silence from this phase becomes overdue. */
  expectedSince: number | null;
  silenceAlerts: number;
  /** Set by the planner: by then the first completion should have arrived, else the transition is overdue. */
  plannedBy: number | null;
  plannedAlerts: number;
}

export interface OperatorRecord {
  at: number;
  action: string;
  transition: string;
  round: string;
  reason: string;
  operator: string;
}

export interface GameDateState {
  pipeline: string;
  gameDate: string;
  startedAt: number;
  lastActivityAt: number;
  transitions: Record<string, TransitionState>;
  /** Pub/Sub message ids already applied (bounded; the run key below catches older repeats). */
  seenMessageIds: string[];
  duplicatesDropped: number;
  /** Writes not yet confirmed by their store; retried until they land. */
  pendingCompletionRows: CompletionRow[];
  pendingLogRows: ExecutionLogRow[];
  /** Transitions whose Firestore document and BigQuery status row must be rewritten from this state. */
  dirtyProjections: string[];
  dirtyStatusRows: string[];
  /** When failed writes are tried again, and the current back-off. */
  retryAt: number | null;
  retryDelayMs: number;
  undeliveredAlerts: Alert[];
  /** Alert dedup keys already raised, so a lasting condition alerts once per escalation step. */
  raisedAlerts: string[];
  /** Stores that are currently failing, for the "resolved" notice when they return. */
  outages: string[];
  operatorActions: OperatorRecord[];
  /** The latest alert the date raised, for the operator's status view. */
  lastAlert: { at: number; severity: string; title: string } | null;
  /** Completions received but not yet applied (carried across continue-as-new). */
  inbox: CompletionSignal[];
  /** Every execution-log row this date queued: what reconciliation proves exists in BigQuery. */
  executionLog: ExecutionLogRow[];
}

export function initialState(definition: PipelineDefinition, gameDate: string, now: number): GameDateState {
  return {
    pipeline: definition.pipeline,
    gameDate,
    startedAt: now,
    lastActivityAt: now,
    transitions: Object.fromEntries(definition.transitions.map((t) => [t.name, emptyTransition(t.name)])),
    seenMessageIds: [],
    duplicatesDropped: 0,
    pendingCompletionRows: [],
    pendingLogRows: [],
    dirtyProjections: [],
    dirtyStatusRows: [],
    retryAt: null,
    retryDelayMs: 0,
    undeliveredAlerts: [],
    raisedAlerts: [],
    outages: [],
    operatorActions: [],
    lastAlert: null,
    inbox: [],
    executionLog: [],
  };
}

/** Fills fields added after a state was carried or stored, so older runs continue with sensible defaults. */
export function withStateDefaults(state: GameDateState): GameDateState {
  state.executionLog ??= [];
  state.lastAlert ??= null;
  for (const transition of Object.values(state.transitions ?? {})) {
    transition.plannedBy ??= null;
    transition.plannedAlerts ??= 0;
    for (const round of Object.values(transition.rounds ?? {})) round.failedAt ??= null;
  }
  return state;
}

export function emptyTransition(name: string): TransitionState {
  return {
    name,
    processors: {},
    rounds: {},
    firstCompletionAt: null,
    lastCompletionAt: null,
    appliedRuns: [],
    unknownNames: [],
    reports: [],
    skipped: null,
    mode: null,
    expectedSince: null,
    silenceAlerts: 0,
    plannedBy: null,
    plannedAlerts: 0,
  };
}

export function newRound(key: string, generation = 0): Round {
  return {
    key,
    generation,
    state: 'waiting',
    firstCompletionAt: null,
    reason: null,
    triggerStatus: null,
    missing: [],
    blockReason: null,
    trigger: null,
    published: false,
    triggeredAt: null,
    attempts: 0,
    error: null,
    failedAt: null,
    overdueAlerts: 0,
    forcedBy: null,
  };
}

/** The round a transition uses when no mode or batch applies. */
export const MAIN_ROUND = 'main';

/** States from which a round will never trigger again without an operator. */
export function isRoundSettled(round: Round): boolean {
  return round.state === 'triggered' || round.state === 'monitored' || round.state === 'skipped';
}

/** A transition is settled when the date needs nothing more from it. */
export function isTransitionSettled(definition: TransitionDefinition, transition: TransitionState): boolean {
  if (transition.skipped) return true;
  const rounds = Object.values(transition.rounds);
  switch (definition.rule.kind) {
    case 'mode_aware': {
      const overnight = transition.rounds.overnight;
      return overnight !== undefined && isRoundSettled(overnight);
    }
    case 'per_batch':
      return rounds.some((r) => r.state === 'triggered' || r.state === 'monitored');
    default: {
      const main = transition.rounds[MAIN_ROUND];
      return main !== undefined && isRoundSettled(main);
    }
  }
}

export function markDirty(state: GameDateState, transition: string): void {
  if (!state.dirtyProjections.includes(transition)) state.dirtyProjections.push(transition);
  if (!state.dirtyStatusRows.includes(transition)) state.dirtyStatusRows.push(transition);
}

export function hasPendingWrites(state: GameDateState): boolean {
  return (
    state.pendingCompletionRows.length + state.pendingLogRows.length + state.dirtyProjections.length + state.dirtyStatusRows.length + state.undeliveredAlerts.length > 0
  );
}

export function completedKeys(transition: TransitionState): string[] {
  return Object.keys(transition.processors);
}

/** The correlation id a transition carries forward: that of the completion that tipped it, else the latest. */
export function transitionCorrelationId(transition: TransitionState, fallback: string): string {
  const latest = Object.values(transition.processors).sort((a, b) => b.receivedAt - a.receivedAt)[0];
  return latest?.correlationId ?? fallback;
}


/** A transition's state; the workflow checks every transition is present before it starts. */
export function transitionOf(state: GameDateState, name: string): TransitionState {
  const transition = state.transitions[name];
  if (!transition) throw new Error(`State of transition ${name} is missing for ${state.gameDate}`);
  return transition;
}

/** The round with this key, opened (waiting) if the transition has none yet. */
export function openRound(transition: TransitionState, key: string): Round {
  return transition.rounds[key] ?? (transition.rounds[key] = newRound(key));
}

// ---- round transitions: the only writers of `round.state` ------------------------------------------

export type TriggerDecision = Extract<RuleDecision, { kind: 'trigger' }>;

/** Freezes what the trigger will publish, once: every retry then sends byte-identical messages. */
export function freezeTrigger(round: Round, decision: TriggerDecision, trigger: TriggerContext): void {
  round.reason = decision.reason;
  round.triggerStatus = decision.status;
  round.missing = decision.missing;
  round.trigger = trigger;
}

export function markTriggering(round: Round): void {
  round.state = 'triggering';
  round.attempts += 1;
}

/** The Pub/Sub trigger is out; a retry after a failed HTTP trigger must not publish it again. */
export function markPublished(round: Round): void {
  round.published = true;
}

export function markFailed(round: Round, error: string, at: number): void {
  round.state = 'failed';
  round.error = error;
  round.failedAt = at;
}

export function markTriggered(round: Round, mode: TransitionDefinition['mode'], at: number): void {
  round.state = mode === 'trigger' ? 'triggered' : 'monitored';
  round.triggeredAt = at;
  round.error = null;
}

export function markBlocked(round: Round, decision: Extract<RuleDecision, { kind: 'block' }>): void {
  round.state = 'blocked';
  round.blockReason = decision.reason;
  round.reason = decision.reason;
  round.missing = decision.missing;
}

export function markSkipped(round: Round, reason: string): void {
  round.state = 'skipped';
  round.reason = reason;
}

/** One more overdue escalation; a waiting round becomes overdue, a blocked or failed one keeps its state. */
export function markOverdue(round: Round, step: number): void {
  round.overdueAlerts = step;
  if (round.state === 'waiting') round.state = 'overdue';
}

export function markForced(round: Round, operator: string, now: number): void {
  round.firstCompletionAt ??= now;
  round.forcedBy = operator;
}

/** A fresh generation of the round: it triggers again (with a new trigger id) when its rule is met. */
export function rearmRound(transition: TransitionState, key: string, now: number): Round {
  const previous = transition.rounds[key];
  const round = newRound(key, previous ? previous.generation + 1 : 0);
  round.firstCompletionAt = now;
  transition.rounds[key] = round;
  transition.skipped = null;
  return round;
}

/** The round is skipped; without a round of its own the whole transition is skipped for the date. */
export function skipRound(transition: TransitionState, key: string, explicitRound: boolean, skip: { reason: string; operator: string }): Round {
  const round = openRound(transition, key);
  if (!explicitRound) transition.skipped = skip;
  markSkipped(round, `operator_skip: ${skip.reason}`);
  return round;
}

/** Every transition of the date is settled: nothing more is needed but the quiet period. */
export function allTransitionsSettled(definition: PipelineDefinition, state: GameDateState): boolean {
  return definition.transitions.every((def) => isTransitionSettled(def, transitionOf(state, def.name)));
}
