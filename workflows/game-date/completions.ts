/**
 * Applying one completion to a date's state: dedup by message id and by processor run, name resolution,
 * the row to record, and the round it counts toward. Pure; rules are evaluated by the caller.
 */
import type { Alert } from '../../activities/activity-contracts';
import { correlationIdOf, countsAsCompletion } from '../../contract/completion-fields';
import type { CompletionSignal } from '../../contract/completion-message';
import { gameDateMode, type GameDateMode } from '../../contract/game-date-mode';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { resolveProcessor } from '../../contract/processor-names';
import { alertOnce } from './alerts';
import { emptyTransition, MAIN_ROUND, markDirty, openRound, type GameDateState } from './state';

const MAX_SEEN_MESSAGE_IDS = 5000;

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
  const round = openRound(transition, roundKey);
  round.firstCompletionAt ??= now;
  return {
    kind: 'counted',
    transition: transitionDef.name,
    round: roundKey,
    mode,
    batch: transitionDef.rule.kind === 'per_batch' ? { status: message.status, metadata: message.metadata } : null,
  };
}
