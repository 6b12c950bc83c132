/**
 * One durable workflow per (pipeline, game date). It owns the handlers and the main loop: apply every completion,
 * let each round's rule decide (decisions.ts), fire what time alone decides (deadlines.ts), apply operator commands
 * (operator-commands.ts), while the writer loop (writer.ts) delivers projections, rows and alerts. Nothing is
 * marked triggered before its publish succeeded; every outcome is logged and alerted (docs/orchestration.md).
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { bigQueryOptions } from '../../activities/retry-policies';
import type { CompletionSignal } from '../../contract/completion-message';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { describeFailure } from '../activity-failure-text';
import { inTraceOf } from '../message-trace';
import { raise } from './alerts';
import { applyCompletion } from './completions';
import { transitionDefinition, type DateContext } from './date-context';
import { currentDetailsUpdater } from './current-details';
import { lifetimeEndsAt, nextDeadline, quietPeriodEndsAt, type Deadline } from './deadlines';
import { decideBatch, decideRound, evaluateTimedConditions, retriesFailedTriggers, type PredictionBatch } from './decisions';
import { gameDateStateQuery, type PreviousRunActivities } from './internal-messages';
import { completionSignal, completionsSignal, operatorCommandUpdate, statusQuery, type GameDateWorkflowInput, type OperatorCommand, type OperatorCommandResult } from './messages';
import { applyOperatorCommand, OPERATOR_COMMAND_REVALIDATION_PATCH, rejectInvalidOperatorCommand, validateOperatorCommand } from './operator-commands';
import { searchAttributeUpdater } from './search-attributes';
import { allTransitionsSettled, hasPendingWrites, initialState, isTransitionSettled, transitionOf, withStateDefaults, type GameDateState } from './state';
import { dateStatus } from './status';
import { triggersInFlight } from './triggers-in-flight';
import { startWriter } from './writer';

const { loadPreviousRunState } = proxyActivities<PreviousRunActivities>({ ...bigQueryOptions, summary: "restore the date's previous run" });

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
/** Since this patch a pass's decisions run beside the loop (triggers-in-flight.ts); older histories replay them one by one. */
const TRIGGERS_IN_FLIGHT_PATCH = 'triggers-beside-the-loop';

interface PendingCommand {
  command: OperatorCommand;
  result?: OperatorCommandResult;
}

/** A completion that counted toward a round, and the run that brought it (the trigger's parent). */
interface CountedCompletion {
  transition: string;
  round: string;
  parentExecutionId: string;
  batch: PredictionBatch | null;
  /** The signal itself: the trace its trigger belongs to (message-trace.ts). */
  signal: CompletionSignal;
}

export async function gameDateWorkflow(input: GameDateWorkflowInput): Promise<GameDateState> {
  const { definition, gameDate } = input;
  const state: GameDateState = withStateDefaults(input.carried ?? initialState(definition, gameDate, Date.now()));
  const ctx: DateContext = { definition, gameDate, state };
  assertUsableState(definition, state);
  applyPlannedExpectations(input, state);
  const commands: PendingCommand[] = [];
  const hasOpenCommands = () => commands.some((c) => c.result === undefined);
  // Started once the previous run is restored; the status query may be asked before that.
  let writerBusy = (): boolean => false;
  let restored = false;

  setHandler(completionSignal, (signal) => {
    state.inbox.push(signal);
  });
  setHandler(completionsSignal, (signals) => {
    state.inbox.push(...signals);
  });
  setHandler(statusQuery, () => dateStatus(definition, state, writerBusy()));
  setHandler(gameDateStateQuery, () => state);
  setHandler(
    operatorCommandUpdate,
    async (command) => {
      // A run started by this very command (update-with-start on a closed date) validated it against its empty
      // initial state: check it again once the previous run's state is restored, and reject it then.
      if (patched(OPERATOR_COMMAND_REVALIDATION_PATCH)) {
        await condition(() => restored);
        rejectInvalidOperatorCommand(definition, state, command);
      }
      const pending: PendingCommand = { command };
      commands.push(pending);
      await condition(() => pending.result !== undefined);
      return pending.result as OperatorCommandResult;
    },
    { validator: (command: OperatorCommand) => validateOperatorCommand(definition, state, command) },
  );

  // A date whose earlier run already finished (a late duplicate started this one) resumes from that run's
  // final state, so a settled transition is never triggered a second time.
  if (!input.carried && !workflowInfo().continuedFromExecutionRunId) {
    const { workflowId, runId } = workflowInfo();
    const previous = await loadPreviousRunState({ workflowId, runId }).catch((error: unknown) => {
      raise(state, { severity: 'critical', title: `Cannot read the previous run of ${gameDate}`, text: `${describeFailure(error)}. Settled transitions could trigger again; inspect ${workflowId}.`, dedupKey: `${state.pipeline}:${gameDate}:previous-run`, now: Date.now() });
      return null;
    });
    if (previous) {
      Object.assign(state, previous, { inbox: [...previous.inbox, ...state.inbox], lastActivityAt: Date.now(), startedAt: Date.now() });
      withStateDefaults(state);
      applyPlannedExpectations(input, state);
    }
  }

  restored = true;

  // A planned date may never receive a signal: one first pass arms its planned-overdue timer.
  let wake = (input.plannedExpectations?.length ?? 0) > 0;
  const updateDetails = currentDetailsUpdater(ctx);
  updateDetails();
  const dateWriter = startWriter(ctx, () => (wake = true), input.writeBatchWindowMs, updateDetails);
  writerBusy = () => dateWriter.busy;
  const timer = wakeTimer(() => (wake = true));
  const triggers = triggersInFlight(() => (wake = true));
  const updateSearchAttributes = input.searchAttributes === false ? () => undefined : searchAttributeUpdater(ctx);

  for (;;) {
    await condition(() => state.inbox.length > 0 || hasOpenCommands() || wake);
    wake = false;
    triggers.rethrow();

    const counted: CountedCompletion[] = [];
    for (const signal of state.inbox.splice(0)) {
      const outcome = applyCompletion(definition, state, signal, Date.now());
      if ((outcome.kind === 'unmatched' || outcome.kind === 'recorded') && outcome.alert) state.undeliveredAlerts.push(outcome.alert);
      if (outcome.kind === 'counted') counted.push({ ...outcome, parentExecutionId: signal.message.execution_id, signal });
    }
    for (const pending of commands.filter((c) => c.result === undefined)) {
      // A command acts on rounds whose triggers have ended, as when every trigger was awaited.
      if (!triggers.idle) await condition(() => triggers.idle);
      pending.result = await applyOperatorCommand(ctx, pending.command);
    }
    // Each round is decided once per pass, on the latest completion that reached it.
    const latestPerRound = new Map(counted.map((c) => [`${c.transition}/${c.round}`, c]));
    for (const c of latestPerRound.values()) {
      const def = transitionDefinition(ctx, c.transition);
      const transition = transitionOf(state, def.name);
      const round = transition.rounds[c.round];
      if (!round) continue;
      // A traced completion's trigger joins its trace: the completion that tipped the rule caused it.
      const batch = c.batch;
      const decide = () => inTraceOf(c.signal, () => (batch ? decideBatch(ctx, def, transition, round, batch, c.parentExecutionId) : decideRound(ctx, def, transition, round, c.parentExecutionId)));
      if (patched(TRIGGERS_IN_FLIGHT_PATCH)) triggers.start(decide);
      else await decide();
    }
    await evaluateTimedConditions(ctx);
    updateSearchAttributes();
    updateDetails();

    const ending = state.inbox.length || hasOpenCommands() || hasPendingWrites(state) || dateWriter.busy || !triggers.idle ? 'stay' : endOfLife(ctx, Date.now());
    if (ending === 'finish') break;
    if (ending === 'deliver-closing-alert') wake = true;
    timer.arm(nextDeadline(definition, state, Date.now(), retriesFailedTriggers()));
    if (triggers.idle && shouldContinueAsNew(ctx, input)) {
      // The writer finishes its current pass; whatever is still queued travels in the carried state.
      await dateWriter.finish();
      await condition(allHandlersFinished);
      timer.cancel();
      return await continueAsNew<typeof gameDateWorkflow>({ ...input, carried: state });
    }
  }
  timer.cancel();
  await dateWriter.finish();
  await condition(allHandlersFinished);
  return state;
}

// Errors thrown by workflow code fail the execution (see worker/workflow-failure-policy.ts for the rest).
setWorkflowOptions({ failureExceptionTypes: [Error] }, gameDateWorkflow);

/**
 * Whether a date with nothing left to do may close: once settled, after its quiet period; unsettled, only at the
 * end of its lifetime, and only after the critical alert that says so has been delivered.
 */
function endOfLife(ctx: DateContext, now: number): 'stay' | 'finish' | 'deliver-closing-alert' {
  const { definition, gameDate, state } = ctx;
  if (allTransitionsSettled(definition, state)) return now >= quietPeriodEndsAt(definition, state) ? 'finish' : 'stay';
  if (now < lifetimeEndsAt(definition, state)) return 'stay';
  const open = definition.transitions.filter((def) => !isTransitionSettled(def, transitionOf(state, def.name))).map((def) => def.name);
  const raised = raise(state, {
    severity: 'critical',
    title: `${gameDate} closed with unsettled transitions`,
    text: `After ${definition.maxLifetimeHours} h these transitions never settled: ${open.join(', ')}. Their state is in the workflow result; re-open the date by signalling it or with the operator CLI.`,
    dedupKey: `${state.pipeline}:${gameDate}:closed-unsettled`,
    now,
  });
  return raised ? 'deliver-closing-alert' : 'finish';
}

function shouldContinueAsNew(ctx: DateContext, input: GameDateWorkflowInput): boolean {
  const info = workflowInfo();
  const limit = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const busy = ctx.definition.transitions.some((def) => Object.values(transitionOf(ctx.state, def.name).rounds).some((r) => r.state === 'triggering'));
  return !busy && (info.continueAsNewSuggested || info.historyLength >= limit);
}

/** One timer at a time, for the nearest thing that must happen even if no message arrives; the Web UI shows its label. */
function wakeTimer(onFire: () => void): { arm(deadline: Deadline | null): void; cancel(): void } {
  let armed: { at: number; scope: CancellationScope } | undefined;
  return {
    arm(deadline) {
      if (deadline === null || (armed && armed.at <= deadline.at)) return;
      const { at } = deadline;
      armed?.scope.cancel();
      const scope = new CancellationScope();
      const timer = { at, scope };
      armed = timer;
      scope
        .run(() => sleep(Math.max(1, at - Date.now()), { summary: deadline.label }))
        .then(
          () => {
            if (armed === timer) armed = undefined;
            onFire();
          },
          (error: unknown) => {
            if (!isCancellation(error)) throw error;
          },
        );
    },
    cancel() {
      armed?.scope.cancel();
    },
  };
}

/** Planned dates: a transition that has received nothing by its planned time is overdue. */
function applyPlannedExpectations(input: GameDateWorkflowInput, state: GameDateState): void {
  for (const expectation of input.plannedExpectations ?? []) {
    const transition = state.transitions[expectation.transition];
    if (transition) transition.plannedBy ??= expectation.expectedBy;
  }
}

/** A carried or restored state that cannot be read fails the run at once, naming what is wrong. */
function assertUsableState(definition: PipelineDefinition, state: GameDateState): void {
  const problems: string[] = [];
  if (typeof state.transitions !== 'object' || state.transitions === null) problems.push('transitions is missing');
  else for (const t of definition.transitions) if (!state.transitions[t.name]) problems.push(`transition ${t.name} is missing`);
  for (const list of ['inbox', 'seenMessageIds', 'pendingCompletionRows', 'pendingLogRows', 'undeliveredAlerts'] as const) {
    if (!Array.isArray(state[list])) problems.push(`${list} is not a list`);
  }
  if (problems.length) throw new Error(`Unusable state for ${state.gameDate ?? 'unknown date'}: ${problems.join('; ')}`);
}
