/** What every part of a date's workflow works on: the pipeline definition, the date and its durable state. */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { isBacklogPriority } from '../../contract/date-priority';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import type { GameDateState } from './state';

export interface DateContext {
  readonly definition: PipelineDefinition;
  readonly gameDate: string;
  readonly state: GameDateState;
}

export function transitionDefinition(ctx: DateContext, name: string): TransitionDefinition {
  const found = ctx.definition.transitions.find((t) => t.name === name);
  if (!found) throw ApplicationFailure.nonRetryable(`Transition ${name} is not in pipeline ${ctx.definition.pipeline}`, 'UnknownTransition');
  return found;
}

/** Whether this date is part of a backfill: it was started with the backlog's priority key. */
export function isBacklogDate(): boolean {
  return isBacklogPriority(workflowInfo().priority?.priorityKey ?? 0);
}
