/**
 * A round's rule decides; this file turns the decision into its outcome: a trigger published (Pub/Sub, then the
 * optional HTTP call), a block, a skipped batch, or a failure that stays re-triggerable. Nothing is marked
 * triggered before its publish succeeded, and every outcome queues one log row and, where a person should know,
 * an alert.
 */
import { isCancellation, patched, proxyActivities, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { TransitionActivities } from '../../activities/activity-contracts';
import { httpTriggerOptions, publishTriggerOptions } from '../../activities/retry-policies';
import type { GameDateMode } from '../../contract/game-date-mode';
import type { TransitionDefinition } from '../../contract/pipeline-definition';
import { evaluateBatch } from '../../contract/transition-rules';
import { buildHttpTriggerBody, buildTriggerMessages, type TriggerContext } from '../../contract/trigger-payloads';
import { RetryableActivityErrors } from '../../activities/activity-error-types';
import { describeFailure, failureType } from '../activity-failure-text';
import { raise } from './alerts';
import { isBacklogDate, type DateContext } from './date-context';
import { AUTOMATIC_TRIGGER_ATTEMPTS, escalateOverdueRound, escalatePlanned, escalateSilence, roundDecision, triggerRetryAt } from './deadlines';
import { triggerTaskQueue } from './messages';
import { queueLog } from './records';
import {
  completedKeys,
  freezeTrigger,
  isRoundSettled,
  markBlocked,
  markDirty,
  markFailed,
  markPublished,
  markSkipped,
  markTriggered,
  markTriggering,
  transitionCorrelationId,
  transitionOf,
  type Round,
  type TransitionState,
  type TriggerDecision,
} from './state';

/** Since this patch triggers run on their own task queue, never behind a backlog of writes; older histories replay on the workflow's. */
const TRIGGER_QUEUE_PATCH = 'trigger-task-queue';
/**
 * Since this patch a live date's triggers are scheduled on the date's own task queue, so the server may hand each one
 * straight back to the worker that decided it, in its reply to the workflow task (eager activity dispatch, on when the
 * server sets system.enableActivityEagerExecution): no wait on a queue for a poller. When that worker has no free
 * activity slot the task waits on the live queue, behind live dates' writes only. A backfill's dates keep the trigger
 * queue: their worker's slots are full of the backlog's writes.
 */
const LIVE_TRIGGER_EAGER_PATCH = 'live-trigger-eager-dispatch';
/** Failed triggers are retried on a timer (dates started before this change wait for a completion or an operator). */
const FAILED_TRIGGER_RETRY_PATCH = 'failed-trigger-retry';

export function retriesFailedTriggers(): boolean {
  return patched(FAILED_TRIGGER_RETRY_PATCH);
}

export interface PredictionBatch {
  status: string;
  metadata: Record<string, unknown>;
}

function triggerQueue(): { taskQueue?: string } {
  if (!isBacklogDate() && patched(LIVE_TRIGGER_EAGER_PATCH)) return {};
  return patched(TRIGGER_QUEUE_PATCH) ? { taskQueue: triggerTaskQueue(workflowInfo().taskQueue) } : {};
}

function triggerActivities(): Pick<ActivityInterfaceFor<TransitionActivities>, 'publishTrigger' | 'callHttpTrigger'> {
  const queue = triggerQueue();
  return {
    publishTrigger: proxyActivities<TransitionActivities>({ ...publishTriggerOptions, ...queue }).publishTrigger,
    callHttpTrigger: proxyActivities<TransitionActivities>({ ...httpTriggerOptions, ...queue }).callHttpTrigger,
  };
}

/** Applies the rule to a round that is still open: trigger, block, or keep waiting. */
export async function decideRound(ctx: DateContext, def: TransitionDefinition, transition: TransitionState, round: Round, parentExecutionId: string | null): Promise<void> {
  const { state, gameDate } = ctx;
  if (transition.skipped || isRoundSettled(round) || round.state === 'triggering') return;
  if (round.state === 'failed' && round.published) return runTrigger(ctx, def, transition, round, null, parentExecutionId);
  const decision = roundDecision(def, transition, round, Date.now());
  if (decision.kind === 'trigger') return runTrigger(ctx, def, transition, round, decision, parentExecutionId);
  if (decision.kind === 'block' && round.blockReason !== decision.reason) {
    markBlocked(round, decision);
    queueLog(state, def, round, 'blocked', Date.now(), { explanation: decision.explanation }, decision.reason);
    raise(state, {
      severity: 'error',
      title: `${def.name} blocked for ${gameDate}: ${decision.explanation}`,
      text: `The ${decision.reason.replace('circuit_breaker_', '')} rule would trigger, but the circuit breaker forbids it: ${decision.explanation}. Missing: ${decision.missing.join(', ') || 'none'}. A later completion releases it, or an operator can force it.`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:${decision.reason}`,
      transition: def.name,
      now: Date.now(),
    });
  }
}

/** A prediction batch triggers the export on its own when it qualifies; otherwise it is skipped, logged and alerted. */
export async function decideBatch(ctx: DateContext, def: TransitionDefinition, transition: TransitionState, round: Round, batch: PredictionBatch, parentExecutionId: string): Promise<void> {
  const { state, gameDate } = ctx;
  if (transition.skipped || isRoundSettled(round) || round.state === 'triggering') return;
  const verdict = evaluateBatch(def, batch);
  if (verdict.qualifies) {
    return runTrigger(ctx, def, transition, round, { kind: 'trigger', reason: 'batch_complete', status: 'complete', missing: [] }, parentExecutionId, batch.metadata);
  }
  markSkipped(round, verdict.reason);
  queueLog(state, def, round, 'skipped', Date.now(), { batch_id: round.key, completion_pct: batch.metadata.completion_pct ?? null });
  raise(state, {
    severity: 'warning',
    title: `Prediction batch ${round.key} for ${gameDate} did not trigger an export`,
    text: `Batch ${round.key} does not qualify (${verdict.reason}); ${def.name} needs status success or partial and completion_pct ≥ ${def.rule.kind === 'per_batch' ? def.rule.minCompletionPercent : '?'}.`,
    dedupKey: `${state.pipeline}:${gameDate}:${def.name}:batch:${round.key}`,
    transition: def.name,
    now: Date.now(),
  });
}

/**
 * Publishes the round's trigger (frozen on the first decision, so retries are byte-identical), then calls the HTTP
 * trigger if the transition has one. A failure leaves the round `failed` and re-triggerable, logged and alerted.
 */
export async function runTrigger(
  ctx: DateContext,
  def: TransitionDefinition,
  transition: TransitionState,
  round: Round,
  decision: TriggerDecision | null,
  parentExecutionId: string | null,
  batchMetadata?: Record<string, unknown>,
): Promise<void> {
  const { state, gameDate } = ctx;
  const now = Date.now();
  if (decision && !round.published) freezeTrigger(round, decision, triggerContext(ctx, def, transition, round, decision, parentExecutionId, now, batchMetadata));
  const trigger = round.trigger;
  if (!trigger) return;
  markTriggering(round);
  try {
    if (def.mode === 'trigger') {
      if (!round.published) {
        const publish = { gameDate, transition: def.name, topic: def.outputTopic, triggerId: trigger.triggerId, messages: buildTriggerMessages(def, trigger) };
        await triggerActivities().publishTrigger.executeWithOptions({ summary: publishSummary(def, trigger) }, [publish]);
        markPublished(round);
      }
      const http = buildHttpTriggerBody(def, trigger);
      if (http) await triggerActivities().callHttpTrigger.executeWithOptions({ summary: `call the HTTP trigger of ${def.name}` }, [{ ...http, gameDate, transition: def.name, triggerId: trigger.triggerId }]);
    }
  } catch (error) {
    if (isCancellation(error)) throw error;
    markFailed(round, describeFailure(error), Date.now());
    markDirty(state, def.name);
    queueLog(state, def, round, 'failed', Date.now(), { error: round.error, attempt: round.attempts, published: round.published }, `attempt${round.attempts}`);
    // A trigger nobody can receive is as bad as a repeated failure: the next phase cannot start.
    const unreceivable = failureType(error) === RetryableActivityErrors.triggerTopicUnsubscribed;
    raise(state, {
      severity: round.attempts > 1 || unreceivable ? 'critical' : 'error',
      title: `${def.name} trigger failed for ${gameDate}`,
      text: `${round.published ? 'The Pub/Sub trigger was published but the HTTP trigger failed' : 'The trigger was not published'}: ${round.error}. The transition is NOT marked triggered; ${retryPlan(round)}`,
      dedupKey: `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}:failed:${round.attempts}`,
      transition: def.name,
      correlationId: trigger.correlationId,
      now,
    });
    return;
  }
  markTriggered(round, def.mode, Date.now());
  markDirty(state, def.name);
  expectDownstream(ctx, def, Date.now());
  const outcome = round.triggerStatus === 'complete' ? 'complete' : round.reason === 'deadline_exceeded' ? 'deadline_exceeded' : 'partial';
  queueLog(state, def, round, outcome, Date.now(), {
    trigger_id: trigger.triggerId,
    trigger_reason: round.reason,
    monitor_only: def.mode === 'monitor',
    forced_by: round.forcedBy,
    wait_seconds: trigger.waitSeconds,
    attempts: round.attempts,
  });
  alertTriggerOutcome(ctx, def, round, trigger, outcome, now);
}

/** `publish phase4_to_phase5 trigger: 5 of 5 processors`, as the Web UI lists the activity. */
export function publishSummary(def: TransitionDefinition, trigger: TriggerContext): string {
  const what = trigger.batch ? `batch ${trigger.batch.batchId}` : `${trigger.completed.filter((name) => def.expectedProcessors.includes(name)).length} of ${def.expectedProcessors.length} processors`;
  return `publish ${def.name} trigger: ${what}${trigger.reason === 'all_complete' || trigger.reason === 'batch_complete' ? '' : ` (${trigger.reason})`}`;
}

/** What happens next to a failed round, for its alert. */
function retryPlan(round: Round): string {
  const retryAt = retriesFailedTriggers() ? triggerRetryAt(round) : null;
  const manual = 'a later completion retries it, or an operator can force or re-arm it.';
  if (retryAt !== null) return `it is retried automatically at ${new Date(retryAt).toISOString()} (attempt ${round.attempts + 1} of ${AUTOMATIC_TRIGGER_ATTEMPTS}); ${manual}`;
  return round.attempts >= AUTOMATIC_TRIGGER_ATTEMPTS ? `automatic retries stopped after ${round.attempts} attempts; ${manual}` : manual;
}

/** Monitor mode, partial or forced triggers and recoveries after failures are told; a plain complete trigger is not. */
function alertTriggerOutcome(ctx: DateContext, def: TransitionDefinition, round: Round, trigger: TriggerContext, outcome: string, now: number): void {
  const { state, gameDate } = ctx;
  const roundKey = `${state.pipeline}:${gameDate}:${def.name}:${round.key}:${round.generation}`;
  if (def.mode === 'monitor') {
    raise(state, { severity: 'info', title: `${def.name} would trigger for ${gameDate} (monitor mode)`, text: `Rule satisfied (${round.reason}); monitor mode publishes nothing.`, dedupKey: `${roundKey}:monitored`, transition: def.name, now });
  } else if (outcome !== 'complete' || round.forcedBy) {
    const missingCritical = def.criticalProcessors.filter((name) => round.missing.includes(name));
    raise(state, {
      severity: missingCritical.length > 0 ? 'error' : 'warning',
      title: `${def.name} triggered ${outcome === 'complete' ? '' : 'partially '}for ${gameDate} (${round.reason})`,
      text: `Triggered with ${trigger.completed.length} of ${def.expectedProcessors.length} processors${round.missing.length ? `; missing: ${round.missing.join(', ')}` : ''}${missingCritical.length ? ` (critical: ${missingCritical.join(', ')})` : ''}${round.forcedBy ? `; forced by ${round.forcedBy}` : ''}.`,
      dedupKey: `${roundKey}:partial`,
      transition: def.name,
      correlationId: trigger.correlationId,
      now,
    });
  }
  if (round.attempts > 1 || round.overdueAlerts > 0) {
    raise(state, { severity: 'info', title: `${def.name} recovered for ${gameDate}`, text: `Triggered (${round.reason}) after ${round.attempts} attempt(s).`, dedupKey: `${roundKey}:resolved`, transition: def.name, now });
  }
}

function triggerContext(
  ctx: DateContext,
  def: TransitionDefinition,
  transition: TransitionState,
  round: Round,
  decision: TriggerDecision,
  parentExecutionId: string | null,
  now: number,
  batchMetadata?: Record<string, unknown>,
): TriggerContext {
  const { state, gameDate } = ctx;
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
function expectDownstream(ctx: DateContext, def: TransitionDefinition, at: number): void {
  const index = ctx.definition.transitions.findIndex((t) => t.name === def.name);
  const next = ctx.definition.transitions[index + 1];
  if (!next) return;
  const downstream = ctx.state.transitions[next.name];
  if (downstream && downstream.expectedSince === null) downstream.expectedSince = at;
}

/** What time alone decides: rules that fire after a wait, and every deadline that has passed. */
export async function evaluateTimedConditions(ctx: DateContext): Promise<void> {
  const { state, definition } = ctx;
  const now = Date.now();
  for (const def of definition.transitions) {
    const transition = transitionOf(state, def.name);
    if (transition.skipped) continue;
    for (const round of Object.values(transition.rounds)) {
      if (def.rule.kind !== 'per_batch' && (round.state === 'waiting' || round.state === 'overdue' || round.state === 'blocked')) {
        await decideRound(ctx, def, transition, round, null);
      }
      const retryAt = triggerRetryAt(round);
      if (retryAt !== null && now >= retryAt && retriesFailedTriggers()) await runTrigger(ctx, def, transition, round, null, null);
      escalateOverdueRound(state, def, round, now);
    }
    escalateSilence(state, def, transition, now);
    escalatePlanned(state, def, transition, now);
  }
}
