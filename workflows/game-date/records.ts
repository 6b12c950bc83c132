/**
 * What a date writes to its stores, derived from its state: execution-log rows, the Firestore document and the
 * BigQuery status row of each transition (shapes in docs/contract.md).
 */
import type { CompletionStatusRow, ExecutionLogRow, FirestoreProjectionInput } from '../../activities/activity-contracts';
import type { TransitionDefinition } from '../../contract/pipeline-definition';
import { missingProcessors } from '../../contract/transition-rules';
import { completedKeys, emptyTransition, transitionCorrelationId, type GameDateState, type Round, type TransitionState } from './state';

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

/** Queues an outcome's log row for writing, and keeps it in the date's log for reconciliation. */
export function queueLog(
  state: GameDateState,
  definition: TransitionDefinition,
  round: Round,
  outcome: string,
  now: number,
  metadata: Record<string, unknown>,
  occurrence = '',
): void {
  const row = logRow(state, definition, round, outcome, now, metadata, occurrence);
  state.pendingLogRows.push(row);
  state.executionLog.push(row);
}
