/**
 * How a date's workflow is started by whoever reaches it first: the bridge (signalWithStart with a completion)
 * and the operator CLI (update-with-start with a command, which also re-opens a closed date). One id, one input,
 * one priority and the task queue that goes with it, so a date never depends on who started it. Plain data, workflow-safe.
 */
import { datePriorityKey } from '../../contract/date-priority';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { dateTaskQueue, gameDateWorkflowId, type GameDateWorkflowInput } from './messages';

export interface GameDateStartOptions {
  workflowId: string;
  /** The configured queue, or its backlog queue for a date that starts at the backlog's priority. */
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
  const priorityKey = datePriorityKey(gameDate, options.now, definition.timeZone, options.backlogAgeDays);
  return {
    workflowId: gameDateWorkflowId(definition.pipeline, gameDate),
    taskQueue: dateTaskQueue(options.taskQueue, priorityKey),
    args: [{ definition, gameDate }],
    priority: { priorityKey },
  };
}
