/**
 * Everything a client needs to talk to a date's workflow: its id, input, signal, query, update and
 * search attributes. Workflow-safe, and imported by the bridge, the operator CLI and tests.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CompletionSignal } from '../../contract/completion-message';
import { isBacklogPriority } from '../../contract/date-priority';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import type { GameDateState } from './state';
import type { GameDateStatus } from './status';

export const GAME_DATE_WORKFLOW_TYPE = 'gameDateWorkflow';

/** One workflow per (pipeline, game date); the id is all a sender needs to know. */
export function gameDateWorkflowId(pipeline: string, gameDate: string): string {
  return `${pipeline}-game-date-${gameDate}`;
}

export interface GameDateWorkflowInput {
  definition: PipelineDefinition;
  gameDate: string;
  /** State carried across continue-as-new, or restored from the date's previous, finished run. */
  carried?: GameDateState;
  /** Continue as new once history reaches this many events, even if the server has not suggested it. */
  maxHistoryEvents?: number;
  /** Set search attributes (off only for servers without the custom attributes registered). */
  searchAttributes?: boolean;
  /**
   * Set by the planner for a date it expects: a transition that has received nothing by its `expectedBy`
   * goes overdue (log row and alert) even though no completion ever armed a timer.
   */
  plannedExpectations?: PlannedExpectation[];
  /** How long the writer gathers a burst before writing it (2 s by default; the workflow tests shorten it). */
  writeBatchWindowMs?: number;
}

export interface PlannedExpectation {
  transition: string;
  /** Epoch milliseconds by which the transition's first completion should have arrived. */
  expectedBy: number;
}

export const completionSignal = defineSignal<[CompletionSignal]>('completion');
/**
 * Several completions of one date in one signal, in arrival order: what the bridge sends for the messages of a date
 * that arrived while its previous signal was in flight (a backlog), so a burst costs one signal and one workflow task.
 */
export const completionsSignal = defineSignal<[CompletionSignal[]]>('completions');
/** Names of the signals that carry completions, for readers of a history. */
export const COMPLETION_SIGNAL_NAMES: readonly string[] = [completionSignal.name, completionsSignal.name];
export const statusQuery = defineQuery<GameDateStatus>('status');

export type OperatorAction = 'force' | 'rearm' | 'skip';

export interface OperatorCommand {
  action: OperatorAction;
  transition: string;
  /** Round within the transition: a mode (`overnight` …) or batch id; defaults to the transition's main round. */
  round?: string;
  reason: string;
  operator: string;
}

export interface OperatorCommandResult {
  transition: string;
  round: string;
  state: string;
  message: string;
}

export const operatorCommandUpdate = defineUpdate<OperatorCommandResult, [OperatorCommand]>('operatorCommand');

export const searchAttributes = {
  gameDate: defineSearchAttributeKey('GameDate', SearchAttributeType.KEYWORD),
  pipeline: defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD),
  currentPhase: defineSearchAttributeKey('CurrentPhase', SearchAttributeType.KEYWORD),
  transitionStates: defineSearchAttributeKey('TransitionStates', SearchAttributeType.KEYWORD_LIST),
  missingProcessors: defineSearchAttributeKey('MissingProcessors', SearchAttributeType.KEYWORD_LIST),
  overdueTransitions: defineSearchAttributeKey('OverdueTransitions', SearchAttributeType.KEYWORD_LIST),
};

/** The task queue of trigger activities (publish, HTTP): its own, so a backlog of record writes never delays a trigger. */
export function triggerTaskQueue(taskQueue: string): string {
  return `${taskQueue}-triggers`;
}

/**
 * The task queue of a backfill's dates (started with the backlog's priority key) and of their writes. A worker
 * polls it with a workflow thread, a workflow cache and slots of its own: inside a worker, tasks already taken
 * run one after another and priority no longer orders them, and a backfill's dates, each touched once in a
 * while, would evict the live dates from a shared cache. Their triggers go to `triggerTaskQueue` of this queue.
 */
export function backlogTaskQueue(taskQueue: string): string {
  return `${taskQueue}-backlog`;
}

/** The queue a date starts on, from its start priority; a running date keeps its queue (continue-as-new too). */
export function dateTaskQueue(taskQueue: string, priorityKey: number): string {
  return isBacklogPriority(priorityKey) ? backlogTaskQueue(taskQueue) : taskQueue;
}

/** Every task queue the worker polls for the configured one: live dates, their triggers, the backlog, its triggers. */
export function workerTaskQueues(taskQueue: string): { dates: string; triggers: string; backlogDates: string; backlogTriggers: string } {
  return { dates: taskQueue, triggers: triggerTaskQueue(taskQueue), backlogDates: backlogTaskQueue(taskQueue), backlogTriggers: triggerTaskQueue(backlogTaskQueue(taskQueue)) };
}
