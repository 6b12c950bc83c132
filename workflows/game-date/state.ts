/**
 * A game date's durable state and the pure functions that read and change it. No Temporal calls here:
 * the workflow feeds in completions and time, and performs the effects these functions describe.
 */
import type {
  CompletionRow,
  CompletionStatusRow,
  ExecutionLogRow,
  FirestoreProjectionInput,
  Alert,
} from '../../activities/activity-contracts';
import { correlationIdOf, countsAsCompletion } from '../../pipeline/completion-fields';
import type { CompletionSignal } from '../../pipeline/completion-message';
import { gameDateMode, type GameDateMode } from '../../pipeline/game-date-mode';
import type { PipelineDefinition, TransitionDefinition } from '../../pipeline/pipeline-definition';
import { resolveProcessor } from '../../pipeline/processor-names';
import { missingProcessors } from '../../pipeline/transition-rules';
import type { TriggerContext } from '../../pipeline/trigger-payloads';

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
  /** Completions received but not yet applied (carried across continue-as-new). */
  inbox: CompletionSignal[];
  /** Every execution-log row this date queued: what reconciliation proves exists in BigQuery. */
  executionLog: ExecutionLogRow[];
}

const MAX_SEEN_MESSAGE_IDS = 5000;

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
    inbox: [],
    executionLog: [],
  };
}

/** Fills fields added after a state was carried or stored, so older runs continue with sensible defaults. */
export function withStateDefaults(state: GameDateState): GameDateState {
  state.executionLog ??= [];
  for (const transition of Object.values(state.transitions ?? {})) {
    transition.plannedBy ??= null;
    transition.plannedAlerts ??= 0;
  }
  return state;
}

function emptyTransition(name: string): TransitionState {
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

/** What applying one completion asks the workflow to do next. */
export type CompletionOutcome =
  | { kind: 'duplicate' }
  | { kind: 'unmatched'; alert: Alert | null }
  | { kind: 'recorded'; transition: string; alert: Alert | null }
  | { kind: 'counted'; transition: string; round: string; mode: GameDateMode | null; batch: { status: string; metadata: Record<string, unknown> } | null };

export function roundKeyFor(definition: TransitionDefinition, signal: CompletionSignal, mode: GameDateMode | null): string {
  if (definition.rule.kind === 'per_batch') {
    const batchId = signal.message.metadata.batch_id;
    return typeof batchId === 'string' && batchId ? batchId : signal.message.execution_id;
  }
  if (definition.rule.kind === 'mode_aware' && mode) return mode;
  return MAIN_ROUND;
}

/**
 * Applies one completion to the state: dedup, name resolution, recording. Rules are evaluated by the caller.
 */
export function applyCompletion(definition: PipelineDefinition, state: GameDateState, signal: CompletionSignal, now: number): CompletionOutcome {
  if (state.seenMessageIds.includes(signal.messageId)) {
    state.duplicatesDropped += 1;
    return { kind: 'duplicate' };
  }
  state.seenMessageIds.push(signal.messageId);
  if (state.seenMessageIds.length > MAX_SEEN_MESSAGE_IDS) state.seenMessageIds.splice(0, state.seenMessageIds.length - MAX_SEEN_MESSAGE_IDS);

  const message = signal.message;
  const transitionDef =
    definition.transitions.find((t) => t.completionTopic === signal.topic) ?? definition.transitions.find((t) => t.phase === message.phase);
  if (!transitionDef) {
    const alert = alertOnce(state, {
      severity: 'warning',
      title: `Completion for no known transition (${state.gameDate})`,
      text: `Processor ${message.processor_name} reported phase "${message.phase}" on topic ${signal.topic}; no transition of pipeline ${definition.pipeline} consumes it.`,
      dedupKey: `${state.pipeline}:${state.gameDate}:unmatched:${message.phase}`,
      now,
    });
    return { kind: 'unmatched', alert };
  }
  const transition = state.transitions[transitionDef.name] ?? (state.transitions[transitionDef.name] = emptyTransition(transitionDef.name));
  const resolution = transitionDef.rule.kind === 'per_batch' ? { kind: 'expected' as const, key: message.processor_name } : resolveProcessor(transitionDef, message);
  const nameKey = resolution.kind === 'unknown' ? resolution.name : resolution.key;
  const runKey = `${nameKey}:${message.execution_id}:${message.status}`;
  if (transition.appliedRuns.includes(runKey)) {
    state.duplicatesDropped += 1;
    return { kind: 'duplicate' };
  }
  transition.appliedRuns.push(runKey);
  state.lastActivityAt = now;
  const mode = transitionDef.rule.kind === 'mode_aware' ? gameDateMode(state.gameDate, now, definition.timeZone) : null;
  const completedAt = message.timestamp ?? signal.publishTime;
  const isIncremental = message.metadata.is_incremental === true;
  const entitiesChanged = Array.isArray(message.metadata.entities_changed) ? message.metadata.entities_changed.map(String) : [];
  state.pendingCompletionRows.push({
    rowKey: `${state.pipeline}:${state.gameDate}:${transitionDef.name}:${runKey}`,
    phase: message.phase,
    game_date: state.gameDate,
    processor_name: nameKey,
    status: message.status,
    record_count: message.record_count,
    correlation_id: correlationIdOf(message),
    execution_id: message.execution_id,
    completed_at: completedAt,
    is_incremental: isIncremental,
    entities_changed: entitiesChanged,
    metadata: { ...message.metadata, raw_processor_name: message.processor_name, message_id: signal.messageId, topic: signal.topic },
  });
  markDirty(state, transitionDef.name);

  if (resolution.kind === 'unknown') {
    transition.unknownNames.push(resolution.name);
    const alert = alertOnce(state, {
      severity: 'warning',
      title: `Unknown processor "${resolution.name}" for ${transitionDef.name} (${state.gameDate})`,
      text: `"${resolution.name}" matches no expected, known or aliased processor of ${transitionDef.name}. It was recorded but does not count. Add an alias to the pipeline definition if it should.`,
      dedupKey: `${state.pipeline}:${transitionDef.name}:unknown:${resolution.name}`,
      transition: transitionDef.name,
      now,
    });
    return { kind: 'recorded', transition: transitionDef.name, alert };
  }
  if (!countsAsCompletion(message.status)) {
    transition.reports.push({ name: nameKey, status: message.status, executionId: message.execution_id, errorMessage: message.error_message ?? null, receivedAt: now });
    const alert =
      message.status === 'failed' && transitionDef.rule.kind !== 'per_batch'
        ? alertOnce(state, {
            severity: 'warning',
            title: `${nameKey} reported failure for ${state.gameDate}`,
            text: `${nameKey} (run ${message.execution_id}) reported status failed${message.error_message ? `: ${message.error_message}` : ''}. ${transitionDef.name} keeps waiting for a successful run.`,
            dedupKey: `${state.pipeline}:${state.gameDate}:${transitionDef.name}:failed:${nameKey}`,
            transition: transitionDef.name,
            correlationId: correlationIdOf(message),
            now,
          })
        : null;
    if (transitionDef.rule.kind !== 'per_batch') return { kind: 'recorded', transition: transitionDef.name, alert };
  }

  transition.firstCompletionAt ??= now;
  transition.lastCompletionAt = now;
  if (mode) transition.mode = mode;
  if (resolution.kind === 'expected' && countsAsCompletion(message.status)) {
    transition.processors[resolution.key] = {
      key: resolution.key,
      processorName: message.processor_name,
      executionId: message.execution_id,
      correlationId: correlationIdOf(message),
      status: message.status,
      recordCount: message.record_count,
      completedAt,
      receivedAt: now,
      messageId: signal.messageId,
      isIncremental,
      entitiesChanged,
      mode,
    };
  }
  if (resolution.kind === 'known') return { kind: 'recorded', transition: transitionDef.name, alert: null };
  const roundKey = roundKeyFor(transitionDef, signal, mode);
  const round = transition.rounds[roundKey] ?? (transition.rounds[roundKey] = newRound(roundKey));
  round.firstCompletionAt ??= now;
  return {
    kind: 'counted',
    transition: transitionDef.name,
    round: roundKey,
    mode,
    batch: transitionDef.rule.kind === 'per_batch' ? { status: message.status, metadata: message.metadata } : null,
  };
}

export function markDirty(state: GameDateState, transition: string): void {
  if (!state.dirtyProjections.includes(transition)) state.dirtyProjections.push(transition);
  if (!state.dirtyStatusRows.includes(transition)) state.dirtyStatusRows.push(transition);
}

export interface AlertSpec {
  severity: Alert['severity'];
  title: string;
  text: string;
  dedupKey: string;
  transition?: string;
  correlationId?: string;
  now: number;
}

/** Returns the alert unless this dedup key was already raised for the date. */
export function alertOnce(state: GameDateState, spec: AlertSpec): Alert | null {
  if (state.raisedAlerts.includes(spec.dedupKey)) return null;
  state.raisedAlerts.push(spec.dedupKey);
  return makeAlert(state, spec);
}

export function makeAlert(state: GameDateState, spec: AlertSpec): Alert {
  return {
    severity: spec.severity,
    title: spec.title,
    text: spec.text,
    gameDate: state.gameDate,
    transition: spec.transition,
    dedupKey: spec.dedupKey,
    correlationId: spec.correlationId,
    timestamp: new Date(spec.now).toISOString(),
  };
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

export function logRow(
  state: GameDateState,
  definition: TransitionDefinition,
  round: Round,
  outcome: string,
  now: number,
  metadata: Record<string, unknown>,
  /** Distinguishes repeatable outcomes (each failed attempt, each block reason) in the row key. */
  occurrence = '',
): ExecutionLogRow {
  const transition = state.transitions[definition.name];
  const start = round.firstCompletionAt ?? transition?.firstCompletionAt ?? now;
  return {
    rowKey: `${state.pipeline}:${state.gameDate}:${definition.name}:${round.key}:${round.generation}:${outcome}${occurrence ? `:${occurrence}` : ''}`,
    execution_timestamp: new Date(now).toISOString(),
    phase_name: definition.name,
    game_date: state.gameDate,
    correlation_id: round.trigger?.correlationId ?? (transition ? transitionCorrelationId(transition, `${state.pipeline}:${state.gameDate}`) : `${state.pipeline}:${state.gameDate}`),
    start_time: new Date(start).toISOString(),
    duration_seconds: Math.max(0, (now - start) / 1000),
    games_processed: 0,
    status: outcome,
    metadata: { round: round.key, generation: round.generation, reason: round.reason, missing_processors: round.missing, mode: definition.mode, ...metadata },
  };
}

function latestTriggeredRound(transition: TransitionState): Round | undefined {
  return Object.values(transition.rounds)
    .filter((r) => r.state === 'triggered')
    .sort((a, b) => (b.triggeredAt ?? 0) - (a.triggeredAt ?? 0))[0];
}

export function firestoreProjection(definition: TransitionDefinition, state: GameDateState, now: number): FirestoreProjectionInput | null {
  const transition = state.transitions[definition.name];
  if (!definition.firestoreCollection || !transition) return null;
  const triggered = latestTriggeredRound(transition);
  const latestRound = triggered ?? Object.values(transition.rounds).sort((a, b) => (b.firstCompletionAt ?? 0) - (a.firstCompletionAt ?? 0))[0];
  const processors = Object.fromEntries(
    Object.values(transition.processors).map((p) => [
      p.key,
      {
        completed_at: p.completedAt,
        correlation_id: p.correlationId,
        status: p.status,
        record_count: p.recordCount,
        execution_id: p.executionId,
        is_incremental: p.isIncremental,
        entities_changed: p.entitiesChanged,
      },
    ]),
  );
  return {
    collection: definition.firestoreCollection,
    gameDate: state.gameDate,
    processors,
    meta: {
      _completed_count: completedKeys(transition).length,
      _mode: transition.mode,
      _first_completion_at: transition.firstCompletionAt === null ? null : new Date(transition.firstCompletionAt).toISOString(),
      _last_update: new Date(now).toISOString(),
      _trigger_reason: latestRound?.reason ?? null,
      _triggered: triggered !== undefined,
      _triggered_at: triggered?.triggeredAt ? new Date(triggered.triggeredAt).toISOString() : null,
      _missing_processors: missingProcessors(definition, completedKeys(transition)),
      _wait_seconds: triggered?.trigger?.waitSeconds ?? null,
    },
  };
}

export function completionStatusRow(definition: TransitionDefinition, state: GameDateState): CompletionStatusRow {
  const transition = state.transitions[definition.name] ?? emptyTransition(definition.name);
  const triggered = latestTriggeredRound(transition);
  const completed = completedKeys(transition);
  return {
    phase: definition.name,
    game_date: state.gameDate,
    completed_count: completed.length,
    expected_count: definition.expectedProcessors.length,
    completed_processors: completed,
    missing_processors: missingProcessors(definition, completed),
    is_triggered: triggered !== undefined,
    triggered_at: triggered?.triggeredAt ? new Date(triggered.triggeredAt).toISOString() : null,
    trigger_reason: triggered?.reason ?? null,
    mode: transition.mode,
    first_completion_at: transition.firstCompletionAt === null ? null : new Date(transition.firstCompletionAt).toISOString(),
    last_completion_at: transition.lastCompletionAt === null ? null : new Date(transition.lastCompletionAt).toISOString(),
  };
}

export interface TransitionStatus {
  name: string;
  state: RoundState | 'settled';
  settled: boolean;
  completed: string[];
  missing: string[];
  unknownNames: string[];
  reports: ReportedRun[];
  rounds: Round[];
  skipped: TransitionState['skipped'];
}

export interface GameDateStatus {
  pipeline: string;
  gameDate: string;
  currentPhase: string;
  transitions: TransitionStatus[];
  duplicatesDropped: number;
  pendingWrites: { completionRows: number; logRows: number; projections: string[]; statusRows: string[]; alerts: number };
  outages: string[];
  operatorActions: OperatorRecord[];
  /** A write is in flight right now (its queue may already look empty). */
  writing: boolean;
}

/** A transition's headline state: its most pressing round. */
export function transitionHeadline(definition: TransitionDefinition, transition: TransitionState): RoundState {
  if (transition.skipped) return 'skipped';
  const states = Object.values(transition.rounds).map((r) => r.state);
  const priority: RoundState[] = ['failed', 'blocked', 'overdue', 'triggering', 'waiting', 'triggered', 'monitored', 'skipped'];
  if (isTransitionSettled(definition, transition) && !states.some((s) => s === 'failed' || s === 'blocked' || s === 'overdue')) {
    return states.includes('triggered') ? 'triggered' : states.includes('monitored') ? 'monitored' : 'skipped';
  }
  return priority.find((p) => states.includes(p)) ?? 'waiting';
}

export function currentPhase(definition: PipelineDefinition, state: GameDateState): string {
  const open = definition.transitions.find((t) => {
    const transition = state.transitions[t.name];
    return !transition || !isTransitionSettled(t, transition);
  });
  return open?.name ?? 'done';
}

export function dateStatus(definition: PipelineDefinition, state: GameDateState, writing = false): GameDateStatus {
  return {
    pipeline: state.pipeline,
    gameDate: state.gameDate,
    currentPhase: currentPhase(definition, state),
    transitions: definition.transitions.map((t) => {
      const transition = state.transitions[t.name] ?? emptyTransition(t.name);
      const completed = completedKeys(transition);
      return {
        name: t.name,
        state: transitionHeadline(t, transition),
        settled: isTransitionSettled(t, transition),
        completed,
        missing: missingProcessors(t, completed),
        unknownNames: transition.unknownNames,
        reports: transition.reports,
        rounds: Object.values(transition.rounds),
        skipped: transition.skipped,
      };
    }),
    duplicatesDropped: state.duplicatesDropped,
    pendingWrites: {
      completionRows: state.pendingCompletionRows.length,
      logRows: state.pendingLogRows.length,
      projections: state.dirtyProjections,
      statusRows: state.dirtyStatusRows,
      alerts: state.undeliveredAlerts.length,
    },
    outages: state.outages,
    operatorActions: state.operatorActions,
    writing,
  };
}
