/**
 * Starts each expected date's workflow ahead of time. A running date is left as it is (`USE_EXISTING`), and a
 * date whose workflow already finished is not started again (`REJECT_DUPLICATE`): planning is idempotent.
 * The operator's backfill starts dates through `startPlannedDate` too, so a backfilled date gets exactly what
 * a planned one gets.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { LIVE_DATE_PRIORITY } from '../contract/date-priority';
import { calendarDateIn } from '../contract/game-date-mode';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { dateTaskQueue, GAME_DATE_WORKFLOW_TYPE, gameDateWorkflowId, type GameDateWorkflowInput } from '../workflows/game-date/messages';
import { gameDateStartMetadata, type DateStarter } from '../workflows/game-date/start-metadata';
import type { PlanInput, PlanResult } from '../workflows/watchdogs/watchdog-contracts';
import { calendarDates, plannedExpectations, planningWindow, type LoadedPlanning } from './planning';

export interface PlannerDeps {
  client: Client;
  definition: PipelineDefinition;
  /** Null when the pipeline definition has no `planning` block: the planner then plans nothing. */
  planning: LoadedPlanning | null;
  /** Task queue of the game-date workflows. */
  taskQueue: string;
  bigquery?: BigQuery;
  /** Off only for servers without the custom search attributes. */
  searchAttributes?: boolean;
}

export interface StartPlannedDateOptions {
  /** Temporal task priority key; the planner's dates are live (today's and the next few). */
  priorityKey?: number;
  /**
   * Start a new run even when the date's workflow already finished (the backfill re-opening a date): the new
   * run restores the finished run's final state itself, so nothing settled triggers again.
   */
  reopenClosed?: boolean;
  /** Who starts it, for the Web UI's static details; the planner by default. */
  starter?: DateStarter;
}

/**
 * Starts (or finds running) a date's workflow with its planned expectations. Throws
 * `WorkflowExecutionAlreadyStartedError` when the date's workflow finished and `reopenClosed` is not set.
 */
export async function startPlannedDate(deps: Omit<PlannerDeps, 'bigquery'>, gameDate: string, options: StartPlannedDateOptions = {}): Promise<void> {
  const input: GameDateWorkflowInput = {
    definition: deps.definition,
    gameDate,
    ...(deps.planning ? { plannedExpectations: plannedExpectations(deps.planning.config, deps.definition, gameDate) } : {}),
    ...(deps.searchAttributes === false ? { searchAttributes: false } : {}),
  };
  const priorityKey = options.priorityKey ?? LIVE_DATE_PRIORITY;
  await deps.client.workflow.start(GAME_DATE_WORKFLOW_TYPE, {
    taskQueue: dateTaskQueue(deps.taskQueue, priorityKey),
    priority: { priorityKey },
    workflowId: gameDateWorkflowId(deps.definition.pipeline, gameDate),
    args: [input],
    ...gameDateStartMetadata(deps.definition, gameDate, options.starter ?? { kind: 'planner', expectations: input.plannedExpectations ?? [] }),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: options.reopenClosed ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
  });
}

export function createPlanner(deps: PlannerDeps): (input: PlanInput) => Promise<PlanResult> {
  return async function planGameDates({ now }: PlanInput): Promise<PlanResult> {
    const result: PlanResult = { window: null, dates: [], ensured: [], alreadyClosed: [], failed: [] };
    if (!deps.planning) return result;
    result.window = planningWindow(deps.planning.config, calendarDateIn(deps.definition.timeZone, now));
    if (!result.window) return result;
    result.dates = await calendarDates(deps.planning, result.window, deps.bigquery);
    for (const gameDate of result.dates) {
      try {
        await startPlannedDate(deps, gameDate);
        result.ensured.push(gameDate);
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) result.alreadyClosed.push(gameDate);
        else result.failed.push({ gameDate, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return result;
  };
}
