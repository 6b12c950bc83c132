/**
 * Operator commands on a date (force, re-arm, skip a transition or one of its rounds): validated before they
 * enter the history, then applied by the workflow's main loop, recorded with who and why, logged and told.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { missingProcessors } from '../../contract/transition-rules';
import { raise } from './alerts';
import { transitionDefinition, type DateContext } from './date-context';
import { decideRound, runTrigger } from './decisions';
import type { OperatorCommand, OperatorCommandResult } from './messages';
import { queueLog } from './records';
import { completedKeys, MAIN_ROUND, markDirty, markForced, openRound, rearmRound, skipRound, transitionOf, type GameDateState, type TransitionState } from './state';

/** Validates an operator command before it is accepted into history; a rejected command leaves no trace. */
export function validateOperatorCommand(definition: PipelineDefinition, state: GameDateState, command: OperatorCommand): void {
  if (!['force', 'rearm', 'skip'].includes(command.action)) throw new Error(`Unknown action "${command.action}": use force, rearm or skip`);
  const def = definition.transitions.find((t) => t.name === command.transition);
  if (!def) throw new Error(`Unknown transition "${command.transition}": expected one of ${definition.transitions.map((t) => t.name).join(', ')}`);
  if (!command.reason?.trim()) throw new Error('A reason is required');
  if (!command.operator?.trim()) throw new Error('The operator must be named');
  const transition = state.transitions[def.name];
  const round = command.round ? transition?.rounds[command.round] : undefined;
  if (command.round && def.rule.kind === 'mode_aware' && !['overnight', 'same_day', 'tomorrow'].includes(command.round)) {
    throw new Error(`Round "${command.round}" of ${def.name} must be overnight, same_day or tomorrow`);
  }
  if (command.action === 'force' && round && (round.state === 'triggered' || round.state === 'triggering')) {
    throw new Error(`${def.name} round ${round.key} is already ${round.state}; re-arm it to trigger again`);
  }
  if (command.action === 'force' && !command.round && transition && def.rule.kind !== 'mode_aware' && def.rule.kind !== 'per_batch') {
    const main = transition.rounds[MAIN_ROUND];
    if (main && (main.state === 'triggered' || main.state === 'triggering')) throw new Error(`${def.name} is already ${main.state}; re-arm it to trigger again`);
  }
  if (command.action === 'rearm' && command.round && !round) throw new Error(`${def.name} has no round "${command.round}" to re-arm`);
}

/** Patch ids: histories recorded before these behaviours replay without them. */
export const OPERATOR_COMMAND_REVALIDATION_PATCH = 'operator-command-revalidation';
export const OPERATOR_COMMAND_LOG_ROWS_PATCH = 'operator-command-log-rows';

/**
 * The same check inside the update's handler, once the date's previous run is restored: it fails the update (the
 * caller sees why) instead of the workflow, and leaves no operator action behind.
 */
export function rejectInvalidOperatorCommand(definition: PipelineDefinition, state: GameDateState, command: OperatorCommand): void {
  try {
    validateOperatorCommand(definition, state, command);
  } catch (error) {
    throw ApplicationFailure.create({ message: (error as Error).message, type: 'OperatorCommandRejected', nonRetryable: true });
  }
}

/** The round a command without `round` acts on: the current mode, the latest batch, or the main round. */
function defaultRoundKey(def: TransitionDefinition, transition: TransitionState): string {
  if (def.rule.kind === 'mode_aware') return transition.mode ?? 'overnight';
  if (def.rule.kind === 'per_batch') {
    const latest = Object.values(transition.rounds).sort((a, b) => (b.firstCompletionAt ?? 0) - (a.firstCompletionAt ?? 0))[0];
    return latest?.key ?? MAIN_ROUND;
  }
  return MAIN_ROUND;
}

export async function applyOperatorCommand(ctx: DateContext, command: OperatorCommand): Promise<OperatorCommandResult> {
  const { state, gameDate } = ctx;
  const def = transitionDefinition(ctx, command.transition);
  const transition = transitionOf(state, def.name);
  const key = command.round ?? defaultRoundKey(def, transition);
  const now = Date.now();
  state.operatorActions.push({ at: now, action: command.action, transition: def.name, round: key, reason: command.reason, operator: command.operator });
  // Every command leaves a log row with who and why (skip's row always did); the action's number keeps a second
  // force of the same round its own row key.
  const logCommand = patched(OPERATOR_COMMAND_LOG_ROWS_PATCH);
  const commandRow = { operator: command.operator, operator_reason: command.reason, operator_action: command.action };
  const occurrence = String(state.operatorActions.length);
  state.lastActivityAt = now;
  markDirty(state, def.name);
  const notice = (text: string) =>
    raise(state, {
      severity: 'info',
      title: `Operator ${command.operator}: ${command.action} ${def.name} for ${gameDate}`,
      text: `${text} Reason: ${command.reason}`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:operator:${state.operatorActions.length}`,
      transition: def.name,
      now,
    });
  switch (command.action) {
    case 'skip': {
      const round = skipRound(transition, key, Boolean(command.round), { reason: command.reason, operator: command.operator });
      queueLog(state, def, round, 'skipped', now, commandRow);
      notice(command.round ? `Round ${key} skipped.` : 'Transition skipped for this date.');
      return { transition: def.name, round: key, state: 'skipped', message: `${def.name} skipped for ${gameDate}` };
    }
    case 'rearm': {
      const previousGeneration = transition.rounds[key]?.generation ?? null;
      const round = rearmRound(transition, key, now);
      if (logCommand) queueLog(state, def, round, 'rearmed', now, { ...commandRow, previous_generation: previousGeneration }, occurrence);
      notice(`Round ${key} re-armed as generation ${round.generation}; it triggers again when its rule is met.`);
      await decideRound(ctx, def, transition, round, null);
      return { transition: def.name, round: key, state: round.state, message: `${def.name} re-armed (generation ${round.generation})` };
    }
    case 'force': {
      const round = openRound(transition, key);
      markForced(round, command.operator, now);
      if (logCommand) queueLog(state, def, round, 'forced', now, commandRow, occurrence);
      const missing = missingProcessors(def, completedKeys(transition));
      await runTrigger(ctx, def, transition, round, { kind: 'trigger', reason: 'operator_forced', status: missing.length === 0 ? 'complete' : 'partial', missing }, null);
      notice(`Forced trigger ended in state ${round.state}${round.error ? ` (${round.error})` : ''}.`);
      return { transition: def.name, round: key, state: round.state, message: round.state === 'failed' ? `trigger failed: ${round.error}` : `${def.name} ${round.state}` };
    }
  }
}
