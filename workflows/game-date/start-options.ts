/**
 * How a date's workflow is started by whoever reaches it first: the bridge (signalWithStart with a completion)
 * and the operator CLI (update-with-start with a command, which also re-opens a closed date). One id, one input,
 * one task queue and one priority, so a date never depends on who started it. Plain data, workflow-safe.
 */
import { datePriorityKey } from '../../contract/date-priority';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { gameDateWorkflowId, type GameDateWorkflowInput } from './messages';

export interface GameDateStartOptions {
  workflowId: string;
  taskQueue: string;
  args: [GameDateWorkflowInput];
  /** Only a start uses it: a running date keeps the priority it started with. */
  priority: { priorityKey: number };
}

export function gameDateStartOptions(
  definition: PipelineDefinition,
  gameDate: string,
  options: { taskQueue: string; now: number; backlogAgeDays?: number },
): GameDateStartOptions {
  return {
    workflowId: gameDateWorkflowId(definition.pipeline, gameDate),
    taskQueue: options.taskQueue,
    args: [{ definition, gameDate }],
    priority: { priorityKey: datePriorityKey(gameDate, options.now, definition.timeZone, options.backlogAgeDays) },
  };
}
