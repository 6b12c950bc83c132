/**
 * One durable workflow per (pipeline, game date). It applies every completion of the date, decides each
 * transition by its rule and its own timers, and performs triggers, projections, log rows and alerts as
 * activities. Nothing is marked triggered before its publish succeeded; every outcome is logged and alerted.
 */
import {
  ActivityFailure,
  ApplicationFailure,
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
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { describeFailure } from '../activity-failure-text';
import type { Alert, DateRecordsFailureDetails, DateRecordsPart, ExecutionLogRow, PreviousRunActivities, TransitionActivities } from '../../activities/activity-contracts';
import { RetryableActivityErrors } from '../../activities/activity-error-types';
import { alertOptions, bigQueryOptions, dateRecordsOptions, firestoreOptions, httpTriggerOptions, publishTriggerOptions } from '../../activities/retry-policies';
import type { PipelineDefinition, TransitionDefinition } from '../../pipeline/pipeline-definition';
import { evaluateBatch, evaluateRule, missingProcessors, type RuleDecision } from '../../pipeline/transition-rules';
import { buildHttpTriggerBody, buildTriggerMessages, type TriggerContext } from '../../pipeline/trigger-payloads';
import type { GameDateMode } from '../../pipeline/game-date-mode';
import {
  completionSignal,
  operatorCommandUpdate,
  searchAttributes,
  statusQuery,
  triggerTaskQueue,
  type GameDateWorkflowInput,
  type OperatorCommand,
  type OperatorCommandResult,
} from './messages';
import {
  alertOnce,
  applyCompletion,
  completedKeys,
  completionStatusRow,
  currentPhase,
  dateStatus,
  firestoreProjection,
  hasPendingWrites,
  initialState,
  isRoundSettled,
  isTransitionSettled,
  logRow,
  MAIN_ROUND,
  markDirty,
  newRound,
  transitionCorrelationId,
  transitionHeadline,
  type AlertSpec,
  type GameDateState,
  type Round,
  type TransitionState,
  withStateDefaults,
} from './state';
import { gameDateStateQuery } from './internal-messages';

const { publishTrigger } = proxyActivities<TransitionActivities>(publishTriggerOptions);
const { callHttpTrigger } = proxyActivities<TransitionActivities>(httpTriggerOptions);
const { projectCompletionDocument } = proxyActivities<TransitionActivities>(firestoreOptions);
const { recordCompletionRows, recordExecutionLog, upsertCompletionStatus } = proxyActivities<TransitionActivities>(bigQueryOptions);
const { writeDateRecords } = proxyActivities<TransitionActivities>(dateRecordsOptions);
const { sendAlert } = proxyActivities<TransitionActivities>(alertOptions);
const { loadPreviousRunState } = proxyActivities<PreviousRunActivities>(bigQueryOptions);

const MINUTE = 60_000;
const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
const MIN_WRITE_RETRY_MS = MINUTE;
const MAX_WRITE_RETRY_MS = 15 * MINUTE;
const WRITE_BATCH_WINDOW_MS = 2_000;
/** Histories recorded before the writer batched its writes replay without the batching timer. */
const WRITE_BATCHING_PATCH = 'writer-batch-window';
/** Since this patch a writer pass is one `writeDateRecords` activity; older histories replay one activity per write. */
const DATE_RECORDS_PATCH = 'writer-one-activity-per-pass';
/** Since this patch triggers run on their own task queue, never behind a backlog of writes; older histories replay on the workflow's. */
const TRIGGER_QUEUE_PATCH = 'trigger-task-queue';
const ALL_PARTS: DateRecordsPart[] = ['projections', 'completionRows', 'logRows', 'statusRows'];

interface PendingCommand {
  command: OperatorCommand;
  result?: OperatorCommandResult;
}

export async function gameDateWorkflow(input: GameDateWorkflowInput): Promise<GameDateState> {
  const { definition, gameDate } = input;
  const state: GameDateState = withStateDefaults(input.carried ?? initialState(definition, gameDate, Date.now()));
  assertUsableState(definition, state);
  applyPlannedExpectations();
  const commands: PendingCommand[] = [];
  let writerBusy = false;
  const ownQueue = { taskQueue: triggerTaskQueue(workflowInfo().taskQueue) };
  const triggerActivities = {
    publishTrigger: proxyActivities<TransitionActivities>({ ...publishTriggerOptions, ...ownQueue }).publishTrigger,
    callHttpTrigger: proxyActivities<TransitionActivities>({ ...httpTriggerOptions, ...ownQueue }).callHttpTrigger,
  };
  const triggers = () => (patched(TRIGGER_QUEUE_PATCH) ? triggerActivities : { publishTrigger, callHttpTrigger });
  const transitionDef = (name: string): TransitionDefinition => {
    const found = definition.transitions.find((t) => t.name === name);
    if (!found) throw ApplicationFailure.nonRetryable(`Transition ${name} is not in pipeline ${definition.pipeline}`, 'UnknownTransition');
    return found;
  };

  setHandler(completionSignal, (signal) => {
    state.inbox.push(signal);
  });
  setHandler(statusQuery, () => dateStatus(definition, state, writerBusy));
  setHandler(gameDateStateQuery, () => state);
  setHandler(
    operatorCommandUpdate,
    async (command) => {
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
    const previous = await loadPreviousRunState({ workflowId: workflowInfo().workflowId, runId: workflowInfo().runId }).catch((error: unknown) => {
      raise({ severity: 'critical', title: `Cannot read the previous run of ${gameDate}`, text: `${describeFailure(error)}. Settled transitions could trigger again; inspect ${workflowInfo().workflowId}.`, dedupKey: `${state.pipeline}:${gameDate}:previous-run`, now: Date.now() });
      return null;
    });
    if (previous) restorePreviousRun(previous);
  }

  // A planned date may never receive a signal: one first pass arms its planned-overdue timer.
  let wake = (input.plannedExpectations?.length ?? 0) > 0;
  let stopWriter = false;
  const writer = runWriter();
  let armed: { at: number; scope: CancellationScope } | undefined;
  let lastSearchAttributes = '';

  for (;;) {
    await condition(() => state.inbox.length > 0 || commands.some((c) => c.result === undefined) || wake);
    wake = false;

    const counted: { transition: string; round: string; mode: GameDateMode | null; parentExecutionId: string; batch: { status: string; metadata: Record<string, unknown> } | null }[] = [];
    for (const signal of state.inbox.splice(0)) {
      const outcome = applyCompletion(definition, state, signal, Date.now());
      if ((outcome.kind === 'unmatched' || outcome.kind === 'recorded') && outcome.alert) state.undeliveredAlerts.push(outcome.alert);
      if (outcome.kind === 'counted') counted.push({ ...outcome, parentExecutionId: signal.message.execution_id });
    }
    for (const pending of commands.filter((c) => c.result === undefined)) {
      pending.result = await applyOperatorCommand(pending.command);
    }
    // Each round is decided once per pass, on the latest completion that reached it.
    const latestPerRound = new Map(counted.map((c) => [`${c.transition}/${c.round}`, c]));
    for (const c of latestPerRound.values()) {
      const def = transitionDef(c.transition);
      const transition = transitionState(def.name);
      const round = transition.rounds[c.round];
      if (!round) continue;
      if (c.batch) await decideBatch(def, transition, round, c.batch, c.parentExecutionId);
      else await decideRound(def, transition, round, c.parentExecutionId);
    }
    await evaluateTimedConditions();
    updateSearchAttributes();

    if (readyToFinish()) break;
    armTimer(nextWakeAt());
    if (shouldContinueAsNew()) {
      // The writer finishes its current pass; whatever is still queued travels in the carried state.
      stopWriter = true;
      await writer;
      await condition(allHandlersFinished);
      armed?.scope.cancel();
      return await continueAsNew<typeof gameDateWorkflow>({ ...input, carried: state });
    }
  }
  armed?.scope.cancel();
  stopWriter = true;
  await writer;
  await condition(allHandlersFinished);
  return state;

  // ---- decisions -------------------------------------------------------------------------------------

  function transitionState(name: string): TransitionState {
    const transition = state.transitions[name];
    if (!transition) throw new Error(`State of transition ${name} is missing for ${gameDate}`);
    return transition;
  }

  async function decideRound(def: TransitionDefinition, transition: TransitionState, round: Round, parentExecutionId: string | null): Promise<void> {
    if (transition.skipped || isRoundSettled(round) || round.state === 'triggering') return;
    if (round.state === 'failed' && round.published) return runTrigger(def, transition, round, null, parentExecutionId);
    const decision = evaluateRule(def, {
      completed: completedKeys(transition),
      firstCompletionAt: round.firstCompletionAt,
      now: Date.now(),
      mode: def.rule.kind === 'mode_aware' ? (round.key as GameDateMode) : undefined,
    });
    if (decision.kind === 'trigger') return runTrigger(def, transition, round, decision, parentExecutionId);
    if (decision.kind === 'block' && round.blockReason !== decision.reason) {
      round.state = 'blocked';
      round.blockReason = decision.reason;
      round.reason = decision.reason;
      round.missing = decision.missing;
      queueLog(def, round, 'blocked', { explanation: decision.explanation }, decision.reason);
      raise({
        severity: 'error',
        title: `${def.name} blocked for ${gameDate}: ${decision.explanation}`,
        text: `The ${decision.reason.replace('circuit_breaker_', '')} rule would trigger, but the circuit breaker forbids it: ${decision.explanation}. Missing: ${decision.missing.join(', ') || 'none'}. A later completion releases it, or an operator can force it.`,
        dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:${decision.reason}`,
        transition: def.name,
        now: Date.now(),
      });
    }
  }

  async function decideBatch(def: TransitionDefinition, transition: TransitionState, round: Round, batch: { status: string; metadata: Record<string, unknown> }, parentExecutionId: string): Promise<void> {
    if (transition.skipped || isRoundSettled(round) || round.state === 'triggering') return;
    const verdict = evaluateBatch(def, batch);
    if (verdict.qualifies) {
      return runTrigger(def, transition, round, { kind: 'trigger', reason: 'batch_complete', status: 'complete', missing: [] }, parentExecutionId, batch.metadata);
    }
    round.state = 'skipped';
    round.reason = verdict.reason;
    queueLog(def, round, 'skipped', { batch_id: round.key, completion_pct: batch.metadata.completion_pct ?? null });
    raise({
      severity: 'warning',
      title: `Prediction batch ${round.key} for ${gameDate} did not trigger an export`,
      text: `Batch ${round.key} does not qualify (${verdict.reason}); ${def.name} needs status success or partial and completion_pct ≥ ${def.rule.kind === 'per_batch' ? def.rule.minCompletionPercent : '?'}.`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:batch:${round.key}`,
      transition: def.name,
      now: Date.now(),
    });
  }

  async function runTrigger(
    def: TransitionDefinition,
    transition: TransitionState,
    round: Round,
    decision: Extract<RuleDecision, { kind: 'trigger' }> | null,
    parentExecutionId: string | null,
    batchMetadata?: Record<string, unknown>,
  ): Promise<void> {
    const now = Date.now();
    if (decision && !round.published) {
      round.reason = decision.reason;
      round.triggerStatus = decision.status;
      round.missing = decision.missing;
      round.trigger = triggerContext(def, transition, round, decision, parentExecutionId, now, batchMetadata);
    }
    const ctx = round.trigger;
    if (!ctx) return;
    round.state = 'triggering';
    round.attempts += 1;
    try {
      if (def.mode === 'trigger') {
        if (!round.published) {
          await triggers().publishTrigger({ gameDate, transition: def.name, topic: def.outputTopic, triggerId: ctx.triggerId, messages: buildTriggerMessages(def, ctx) });
          round.published = true;
        }
        const http = buildHttpTriggerBody(def, ctx);
        if (http) await triggers().callHttpTrigger({ ...http, gameDate, transition: def.name, triggerId: ctx.triggerId });
      }
    } catch (error) {
      if (isCancellation(error)) throw error;
      round.state = 'failed';
      round.error = describeFailure(error);
      markDirty(state, def.name);
      queueLog(def, round, 'failed', { error: round.error, attempt: round.attempts, published: round.published }, `attempt${round.attempts}`);
      raise({
        severity: round.attempts > 1 ? 'critical' : 'error',
        title: `${def.name} trigger failed for ${gameDate}`,
        text: `${round.published ? 'The Pub/Sub trigger was published but the HTTP trigger failed' : 'The trigger was not published'}: ${round.error}. The transition is NOT marked triggered; a later completion retries it, or an operator can force or re-arm it.`,
        dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:failed:${round.attempts}`,
        transition: def.name,
        correlationId: ctx.correlationId,
        now,
      });
      return;
    }
    round.state = def.mode === 'trigger' ? 'triggered' : 'monitored';
    round.triggeredAt = Date.now();
    round.error = null;
    markDirty(state, def.name);
    expectDownstream(def, round.triggeredAt);
    const outcome = round.triggerStatus === 'complete' ? 'complete' : round.reason === 'deadline_exceeded' ? 'deadline_exceeded' : 'partial';
    queueLog(def, round, outcome, {
      trigger_id: ctx.triggerId,
      trigger_reason: round.reason,
      monitor_only: def.mode === 'monitor',
      forced_by: round.forcedBy,
      wait_seconds: ctx.waitSeconds,
      attempts: round.attempts,
    });
    if (def.mode === 'monitor') {
      raise({ severity: 'info', title: `${def.name} would trigger for ${gameDate} (monitor mode)`, text: `Rule satisfied (${round.reason}); monitor mode publishes nothing.`, dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:monitored`, transition: def.name, now });
    } else if (outcome !== 'complete' || round.forcedBy) {
      const missingCritical = def.criticalProcessors.filter((name) => round.missing.includes(name));
      raise({
        severity: missingCritical.length > 0 ? 'error' : 'warning',
        title: `${def.name} triggered ${outcome === 'complete' ? '' : 'partially '}for ${gameDate} (${round.reason})`,
        text: `Triggered with ${ctx.completed.length} of ${def.expectedProcessors.length} processors${round.missing.length ? `; missing: ${round.missing.join(', ')}` : ''}${missingCritical.length ? ` (critical: ${missingCritical.join(', ')})` : ''}${round.forcedBy ? `; forced by ${round.forcedBy}` : ''}.`,
        dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:partial`,
        transition: def.name,
        correlationId: ctx.correlationId,
        now,
      });
    }
    if (round.attempts > 1 || round.overdueAlerts > 0) {
      raise({ severity: 'info', title: `${def.name} recovered for ${gameDate}`, text: `Triggered (${round.reason}) after ${round.attempts} attempt(s).`, dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:resolved`, transition: def.name, now });
    }
  }

  function triggerContext(
    def: TransitionDefinition,
    transition: TransitionState,
    round: Round,
    decision: Extract<RuleDecision, { kind: 'trigger' }>,
    parentExecutionId: string | null,
    now: number,
    batchMetadata?: Record<string, unknown>,
  ): TriggerContext {
    const processors = Object.values(transition.processors);
    const entities = { players: new Set<string>(), teams: new Set<string>() };
    for (const p of processors) for (const id of p.entitiesChanged) (p.key.includes('team') ? entities.teams : entities.players).add(id);
    const predictions = Number(batchMetadata?.completed_predictions);
    return {
      gameDate,
      correlationId: transitionCorrelationId(transition, `${state.pipeline}:${gameDate}`),
      triggerId: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}`,
      timestamp: new Date(now).toISOString(),
      reason: decision.reason,
      completed: completedKeys(transition),
      missing: decision.missing,
      parentExecutionId,
      waitSeconds: round.firstCompletionAt === null ? null : Math.round((now - round.firstCompletionAt) / 1000),
      mode: def.rule.kind === 'mode_aware' ? (round.key as GameDateMode) : undefined,
      isIncremental: processors.some((p) => p.isIncremental),
      entitiesChanged: { players: [...entities.players].sort(), teams: [...entities.teams].sort() },
      batch: batchMetadata ? { batchId: round.key, predictions: Number.isFinite(predictions) ? predictions : null } : undefined,
    };
  }

  /** Arms the next transition's silence watch: its phase should start reporting once this one triggered. */
  function expectDownstream(def: TransitionDefinition, at: number): void {
    const index = definition.transitions.findIndex((t) => t.name === def.name);
    const next = definition.transitions[index + 1];
    if (!next) return;
    const downstream = state.transitions[next.name];
    if (downstream && downstream.expectedSince === null) downstream.expectedSince = at;
  }

  async function evaluateTimedConditions(): Promise<void> {
    const now = Date.now();
    for (const def of definition.transitions) {
      const transition = transitionState(def.name);
      if (transition.skipped) continue;
      for (const round of Object.values(transition.rounds)) {
        if (def.rule.kind !== 'per_batch' && (round.state === 'waiting' || round.state === 'overdue' || round.state === 'blocked')) {
          await decideRound(def, transition, round, null);
        }
        checkOverdue(def, round, now);
      }
      checkSilence(def, transition, now);
      checkPlanned(def, transition, now);
    }
  }

  function overdueAt(def: TransitionDefinition, round: Round, step: number): number | null {
    if (round.firstCompletionAt === null || isRoundSettled(round) || round.state === 'triggering') return null;
    return round.firstCompletionAt + step * def.overdueAfterMinutes * MINUTE;
  }

  function checkOverdue(def: TransitionDefinition, round: Round, now: number): void {
    const step = round.overdueAlerts + 1;
    const at = overdueAt(def, round, step);
    if (at === null || step > 2 || now < at) return;
    round.overdueAlerts = step;
    if (round.state === 'waiting') round.state = 'overdue';
    const missing = missingProcessors(def, completedKeys(transitionState(def.name)));
    if (step === 1) queueLog(def, round, 'overdue', { missing_processors: missing });
    raise({
      severity: step === 1 ? 'error' : 'critical',
      title: `${def.name} overdue for ${gameDate}${step > 1 ? ' (still)' : ''}`,
      text: `No trigger ${Math.round((now - (round.firstCompletionAt ?? now)) / MINUTE)} min after the first completion (${round.key}). State: ${round.state}. Missing: ${missing.join(', ') || 'none'}${round.error ? `. Last error: ${round.error}` : ''}.`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:overdue:${step}`,
      transition: def.name,
      now,
    });
  }

  function silenceAt(def: TransitionDefinition, transition: TransitionState, step: number): number | null {
    if (transition.expectedSince === null || transition.firstCompletionAt !== null) return null;
    return transition.expectedSince + step * def.overdueAfterMinutes * MINUTE;
  }

  function checkSilence(def: TransitionDefinition, transition: TransitionState, now: number): void {
    const step = transition.silenceAlerts + 1;
    const at = silenceAt(def, transition, step);
    if (at === null || step > 2 || now < at) return;
    transition.silenceAlerts = step;
    raise({
      severity: step === 1 ? 'error' : 'critical',
      title: `No ${def.phase} completion for ${gameDate}`,
      text: `The upstream transition triggered ${Math.round((now - (transition.expectedSince ?? now)) / MINUTE)} min ago, but no processor of ${def.name} has reported since. Check the ${def.phase} services.`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:silent:${step}`,
      transition: def.name,
      now,
    });
  }

  /** Planned dates: a transition that has received nothing by its planned time is overdue. */
  function applyPlannedExpectations(): void {
    for (const expectation of input.plannedExpectations ?? []) {
      const transition = state.transitions[expectation.transition];
      if (transition) transition.plannedBy ??= expectation.expectedBy;
    }
  }

  function plannedAt(def: TransitionDefinition, transition: TransitionState, step: number): number | null {
    if (transition.plannedBy === null || transition.firstCompletionAt !== null || isTransitionSettled(def, transition)) return null;
    return transition.plannedBy + (step - 1) * def.overdueAfterMinutes * MINUTE;
  }

  function checkPlanned(def: TransitionDefinition, transition: TransitionState, now: number): void {
    const step = transition.plannedAlerts + 1;
    const at = plannedAt(def, transition, step);
    if (at === null || step > 2 || now < at) return;
    transition.plannedAlerts = step;
    const plannedBy = new Date(transition.plannedBy ?? now).toISOString();
    if (step === 1) queueLog(def, newRound('planned'), 'overdue', { planned: true, expected_by: plannedBy, missing_processors: def.expectedProcessors });
    raise({
      severity: step === 1 ? 'error' : 'critical',
      title: `${def.name} overdue for ${gameDate}${step > 1 ? ' (still)' : ''}: nothing received`,
      text: `${gameDate} is a planned date, but no ${def.phase} completion has arrived although the first was expected by ${plannedBy} (${Math.round((now - (transition.plannedBy ?? now)) / MINUTE)} min ago). Check the ${def.phase} services and their schedules.`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:planned:overdue:${step}`,
      transition: def.name,
      now,
    });
  }

  // ---- operator commands ----------------------------------------------------------------------------

  async function applyOperatorCommand(command: OperatorCommand): Promise<OperatorCommandResult> {
    const def = transitionDef(command.transition);
    const transition = transitionState(def.name);
    const key = command.round ?? defaultRoundKey(def, transition);
    const now = Date.now();
    state.operatorActions.push({ at: now, action: command.action, transition: def.name, round: key, reason: command.reason, operator: command.operator });
    state.lastActivityAt = now;
    markDirty(state, def.name);
    const notice = (text: string) =>
      raise({ severity: 'info', title: `Operator ${command.operator}: ${command.action} ${def.name} for ${gameDate}`, text: `${text} Reason: ${command.reason}`, dedupKey: `${state.pipeline}:${gameDate}:${def.name}:operator:${state.operatorActions.length}`, transition: def.name, now });
    switch (command.action) {
      case 'skip': {
        const round = transition.rounds[key] ?? (transition.rounds[key] = newRound(key));
        if (!command.round) transition.skipped = { reason: command.reason, operator: command.operator };
        round.state = 'skipped';
        round.reason = `operator_skip: ${command.reason}`;
        queueLog(def, round, 'skipped', { operator: command.operator, operator_reason: command.reason });
        notice(command.round ? `Round ${key} skipped.` : 'Transition skipped for this date.');
        return { transition: def.name, round: key, state: 'skipped', message: `${def.name} skipped for ${gameDate}` };
      }
      case 'rearm': {
        const previous = transition.rounds[key];
        const round = newRound(key, previous ? previous.generation + 1 : 0);
        round.firstCompletionAt = now;
        transition.rounds[key] = round;
        transition.skipped = null;
        notice(`Round ${key} re-armed as generation ${round.generation}; it triggers again when its rule is met.`);
        await decideRound(def, transition, round, null);
        return { transition: def.name, round: key, state: round.state, message: `${def.name} re-armed (generation ${round.generation})` };
      }
      case 'force': {
        const round = transition.rounds[key] ?? (transition.rounds[key] = newRound(key));
        round.firstCompletionAt ??= now;
        round.forcedBy = command.operator;
        const missing = missingProcessors(def, completedKeys(transition));
        await runTrigger(def, transition, round, { kind: 'trigger', reason: 'operator_forced', status: missing.length === 0 ? 'complete' : 'partial', missing }, null);
        notice(`Forced trigger ended in state ${round.state}${round.error ? ` (${round.error})` : ''}.`);
        return { transition: def.name, round: key, state: round.state, message: round.state === 'failed' ? `trigger failed: ${round.error}` : `${def.name} ${round.state}` };
      }
    }
  }

  // ---- writes and alerts ----------------------------------------------------------------------------

  function raise(spec: AlertSpec): void {
    const alert = alertOnce(state, spec);
    if (alert) state.undeliveredAlerts.push(alert);
  }

  function queueLog(def: TransitionDefinition, round: Round, outcome: string, metadata: Record<string, unknown>, occurrence = ''): void {
    const row = logRow(state, def, round, outcome, Date.now(), metadata, occurrence);
    state.pendingLogRows.push(row);
    state.executionLog.push(row);
  }

  /**
   * Writes every pending projection, row and alert, in the order they were queued. Runs beside the decision
   * loop, so a store outage never delays a trigger; a store that stays down is alerted and retried with back-off.
   */
  async function runWriter(): Promise<void> {
    for (;;) {
      await condition(() => stopWriter || hasPendingWrites(state));
      if (stopWriter) return;
      // A date's completions come in bursts (a phase's processors finish together, producers deliver twice):
      // gathering them for a moment writes the burst with one set of activities instead of one set per message.
      if (patched(WRITE_BATCHING_PATCH)) await sleep(WRITE_BATCH_WINDOW_MS);
      writerBusy = true;
      const delivered = await flushWrites();
      writerBusy = false;
      if (delivered) {
        state.retryAt = null;
        state.retryDelayMs = 0;
        wake = true;
        continue;
      }
      state.retryDelayMs = Math.min(MAX_WRITE_RETRY_MS, Math.max(MIN_WRITE_RETRY_MS, state.retryDelayMs * 2));
      state.retryAt = Date.now() + state.retryDelayMs;
      await condition(() => stopWriter, state.retryDelayMs);
    }
  }

  async function flushWrites(): Promise<boolean> {
    // A store that failed in this pass is not tried again until the next one: its retry budget is spent.
    const down = new Set<string>();
    const write = async (store: string, label: string, action: () => Promise<unknown>) => !down.has(store) && ((await attempt(store, label, action)) || (down.add(store), false));
    const deliverAlerts = async () => {
      while (state.undeliveredAlerts.length) {
        const alert = state.undeliveredAlerts[0] as Alert;
        if (!(await write('alerts', 'the alert channels', () => sendAlert(alert)))) return;
        remove(state.undeliveredAlerts, alert);
      }
    };
    await deliverAlerts();
    if (patched(DATE_RECORDS_PATCH)) await writeRecordsInOneActivity(down);
    else await writeRecordsOneByOne(write, down);
    await deliverAlerts();
    return down.size === 0;
  }

  /** Everything queued, in one `writeDateRecords`; what it could not write stays queued for the next pass. */
  async function writeRecordsInOneActivity(down: Set<string>): Promise<void> {
    // Each item leaves its queue before the write starts, so a change queued meanwhile is written again.
    const projectionNames = state.dirtyProjections.splice(0);
    const statusNames = state.dirtyStatusRows.splice(0);
    const now = Date.now();
    const input = {
      gameDate,
      projections: projectionNames.flatMap((name) => firestoreProjection(transitionDef(name), state, now) ?? []),
      completionRows: state.pendingCompletionRows.splice(0),
      logRows: state.pendingLogRows.slice(),
      statusRows: statusNames.map((name) => completionStatusRow(transitionDef(name), state)),
    };
    const stores = { firestore: input.projections.length > 0, bigquery: input.completionRows.length + input.logRows.length + input.statusRows.length > 0 };
    if (!stores.firestore && !stores.bigquery) return;
    let failure: unknown = null;
    try {
      await writeDateRecords(input);
    } catch (error) {
      if (isCancellation(error)) throw error;
      failure = error;
    }
    const details = failure === null ? { written: ALL_PARTS, failed: [] } : dateRecordsFailureDetails(failure);
    const written = details?.written ?? [];
    if (!written.includes('projections')) for (const name of projectionNames) markDirtyIn(state.dirtyProjections, name);
    if (!written.includes('completionRows')) state.pendingCompletionRows.unshift(...input.completionRows);
    if (written.includes('logRows')) for (const row of input.logRows) remove(state.pendingLogRows, row);
    if (!written.includes('statusRows')) for (const name of statusNames) markDirtyIn(state.dirtyStatusRows, name);
    for (const [store, label] of [['firestore', 'Firestore'], ['bigquery', 'BigQuery']] as const) {
      if (!stores[store]) continue;
      // Without details (a timeout) every store the pass touched counts as failed.
      const storeFailures = details === null ? [describeFailure(failure)] : details.failed.filter((f) => f.store === store).map((f) => `${f.part}: ${f.message}${f.type ? ` [${f.type}]` : ''}`);
      if (storeFailures.length) down.add(store);
      noteWriteOutcome(store, label, storeFailures.length ? storeFailures.join('; ') : null);
    }
  }

  async function writeRecordsOneByOne(write: (store: string, label: string, action: () => Promise<unknown>) => Promise<boolean>, down: Set<string>): Promise<void> {
    // Each item leaves its queue before its write starts, so a change queued meanwhile is written again.
    await writeEach(state.dirtyProjections, async (name) => {
      const projection = firestoreProjection(transitionDef(name), state, Date.now());
      return !projection || write('firestore', 'Firestore', () => projectCompletionDocument(projection));
    });
    const rows = state.pendingCompletionRows.splice(0);
    if (rows.length && !(await write('bigquery', 'BigQuery', () => recordCompletionRows(rows)))) state.pendingCompletionRows.unshift(...rows);
    // A log row follows the projection of the outcome it records (unless Firestore is the store that is down).
    const projectionsCurrent = state.dirtyProjections.length === 0 || down.has('firestore');
    while (projectionsCurrent && state.pendingLogRows.length) {
      const row = state.pendingLogRows[0] as ExecutionLogRow;
      if (!(await write('bigquery', 'BigQuery', () => recordExecutionLog(row)))) break;
      remove(state.pendingLogRows, row);
    }
    await writeEach(state.dirtyStatusRows, (name) => write('bigquery', 'BigQuery', () => upsertCompletionStatus(completionStatusRow(transitionDef(name), state))));
  }

  async function writeEach(queue: string[], write: (name: string) => Promise<boolean>): Promise<void> {
    const names = queue.splice(0);
    for (const [index, name] of names.entries()) {
      if (await write(name)) continue;
      for (const unwritten of names.slice(index)) markDirtyIn(queue, unwritten);
      return;
    }
  }

  async function attempt(store: string, label: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      noteWriteOutcome(store, label, null);
      return true;
    } catch (error) {
      if (isCancellation(error)) throw error;
      noteWriteOutcome(store, label, describeFailure(error));
      return false;
    }
  }

  /** Alerts once when a store starts failing, and once when it recovers (alert channels report themselves). */
  function noteWriteOutcome(store: string, label: string, failure: string | null): void {
    const wasDown = state.outages.includes(store);
    if (failure === null) {
      if (!wasDown) return;
      state.outages.splice(state.outages.indexOf(store), 1);
      if (store !== 'alerts') {
        raise({ severity: 'info', title: `${label} writes recovered for ${gameDate}`, text: `Pending ${label} writes for ${gameDate} were delivered; nothing was lost.`, dedupKey: `${state.pipeline}:${gameDate}:outage:${store}:resolved:${state.raisedAlerts.length}`, now: Date.now() });
      }
      return;
    }
    if (wasDown) return;
    state.outages.push(store);
    if (store !== 'alerts') {
      const kept = store === 'firestore' ? 'Completions are still recorded in BigQuery' : 'Rows are kept in the workflow until BigQuery accepts them';
      raise({ severity: 'error', title: `${label} unavailable for ${gameDate}`, text: `${failure}. ${kept}; retrying with back-off.`, dedupKey: `${state.pipeline}:${gameDate}:outage:${store}:${state.raisedAlerts.length}`, now: Date.now() });
    }
  }

  // ---- timers, search attributes, lifecycle --------------------------------------------------------

  function nextWakeAt(): number | null {
    const candidates: number[] = [];
    const now = Date.now();
    for (const def of definition.transitions) {
      const transition = transitionState(def.name);
      if (transition.skipped) continue;
      for (const round of Object.values(transition.rounds)) {
        if (def.rule.kind !== 'per_batch' && !isRoundSettled(round) && round.state !== 'failed') {
          const decision = evaluateRule(def, { completed: completedKeys(transition), firstCompletionAt: round.firstCompletionAt, now, mode: def.rule.kind === 'mode_aware' ? (round.key as GameDateMode) : undefined });
          if (decision.kind === 'wait' && decision.nextEvaluationAt !== null) candidates.push(decision.nextEvaluationAt);
        }
        if (round.overdueAlerts < 2) {
          const at = overdueAt(def, round, round.overdueAlerts + 1);
          if (at !== null) candidates.push(at);
        }
      }
      if (transition.silenceAlerts < 2) {
        const at = silenceAt(def, transition, transition.silenceAlerts + 1);
        if (at !== null) candidates.push(at);
      }
      if (transition.plannedAlerts < 2) {
        const at = plannedAt(def, transition, transition.plannedAlerts + 1);
        if (at !== null) candidates.push(at);
      }
    }
    if (allSettled()) candidates.push(state.lastActivityAt + definition.quietPeriodMinutes * MINUTE);
    candidates.push(state.startedAt + definition.maxLifetimeHours * 60 * MINUTE);
    return candidates.length ? Math.min(...candidates) : null;
  }

  /** One timer at a time, for the nearest thing that must happen even if no message arrives. */
  function armTimer(at: number | null): void {
    if (at === null || (armed && armed.at <= at)) return;
    armed?.scope.cancel();
    const scope = new CancellationScope();
    const timer = { at, scope };
    armed = timer;
    scope
      .run(() => sleep(Math.max(1, at - Date.now())))
      .then(
        () => {
          if (armed === timer) armed = undefined;
          wake = true;
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
  }

  function allSettled(): boolean {
    return definition.transitions.every((def) => isTransitionSettled(def, transitionState(def.name)));
  }

  function readyToFinish(): boolean {
    if (state.inbox.length || commands.some((c) => c.result === undefined)) return false;
    const now = Date.now();
    if (hasPendingWrites(state) || writerBusy) return false;
    if (allSettled()) return now >= state.lastActivityAt + definition.quietPeriodMinutes * MINUTE;
    if (now < state.startedAt + definition.maxLifetimeHours * 60 * MINUTE) return false;
    const open = definition.transitions.filter((def) => !isTransitionSettled(def, transitionState(def.name))).map((def) => def.name);
    const closing = alertOnce(state, {
      severity: 'critical',
      title: `${gameDate} closed with unsettled transitions`,
      text: `After ${definition.maxLifetimeHours} h these transitions never settled: ${open.join(', ')}. Their state is in the workflow result; re-open the date by signalling it or with the operator CLI.`,
      dedupKey: `${state.pipeline}:${gameDate}:closed-unsettled`,
      now,
    });
    if (!closing) return true;
    // Deliver the closing alert first; the next pass finishes.
    state.undeliveredAlerts.push(closing);
    wake = true;
    return false;
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const limit = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
    const busy = definition.transitions.some((def) => Object.values(transitionState(def.name).rounds).some((r) => r.state === 'triggering'));
    return !busy && (info.continueAsNewSuggested || info.historyLength >= limit);
  }

  function updateSearchAttributes(): void {
    if (input.searchAttributes === false) return;
    const states: string[] = [];
    const missing: string[] = [];
    const overdue: string[] = [];
    for (const def of definition.transitions) {
      const transition = transitionState(def.name);
      states.push(`${def.name}:${transitionHeadline(def, transition)}`);
      if (!isTransitionSettled(def, transition) && transition.firstCompletionAt !== null) {
        for (const name of missingProcessors(def, completedKeys(transition))) missing.push(`${def.name}:${name}`);
      }
      const late = Object.values(transition.rounds).some((r) => r.overdueAlerts > 0 && !isRoundSettled(r)) || ((transition.silenceAlerts > 0 || transition.plannedAlerts > 0) && transition.firstCompletionAt === null);
      if (late) overdue.push(def.name);
    }
    const phase = currentPhase(definition, state);
    const snapshot = JSON.stringify([phase, states, missing, overdue]);
    if (snapshot === lastSearchAttributes) return;
    lastSearchAttributes = snapshot;
    upsertSearchAttributes([
      { key: searchAttributes.gameDate, value: gameDate },
      { key: searchAttributes.pipeline, value: state.pipeline },
      { key: searchAttributes.currentPhase, value: phase },
      { key: searchAttributes.transitionStates, value: states },
      { key: searchAttributes.missingProcessors, value: missing },
      { key: searchAttributes.overdueTransitions, value: overdue },
    ]);
  }

  function defaultRoundKey(def: TransitionDefinition, transition: TransitionState): string {
    if (def.rule.kind === 'mode_aware') return transition.mode ?? 'overnight';
    if (def.rule.kind === 'per_batch') {
      const latest = Object.values(transition.rounds).sort((a, b) => (b.firstCompletionAt ?? 0) - (a.firstCompletionAt ?? 0))[0];
      return latest?.key ?? MAIN_ROUND;
    }
    return MAIN_ROUND;
  }

  function restorePreviousRun(previous: GameDateState): void {
    const inbox = state.inbox;
    Object.assign(state, previous, { inbox: [...previous.inbox, ...inbox], lastActivityAt: Date.now(), startedAt: Date.now() });
    withStateDefaults(state);
    applyPlannedExpectations();
  }
}

// Errors thrown by workflow code fail the execution (see worker/workflow-failure-policy.ts for the rest).
setWorkflowOptions({ failureExceptionTypes: [Error] }, gameDateWorkflow);

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

/** The failure's own message, unwrapped from Temporal's activity envelope. */

/** The parts written and the failures, when the failure is a `writeDateRecords` one that carries them. */
function dateRecordsFailureDetails(error: unknown): DateRecordsFailureDetails | null {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RetryableActivityErrors.dateRecordsIncomplete) return null;
  const details = cause.details?.[0] as DateRecordsFailureDetails | undefined;
  return details && Array.isArray(details.written) && Array.isArray(details.failed) ? details : null;
}

function markDirtyIn(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
