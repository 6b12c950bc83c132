/**
 * Starts each expected date's workflow ahead of time. A running date is left as it is (`USE_EXISTING`), and a
 * date whose workflow already finished is not started again (`REJECT_DUPLICATE`): planning is idempotent.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { LIVE_DATE_PRIORITY } from '../contract/date-priority';
import { calendarDateIn } from '../contract/game-date-mode';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { GAME_DATE_WORKFLOW_TYPE, gameDateWorkflowId, type GameDateWorkflowInput } from '../workflows/game-date/messages';
import { gameDateStartMetadata } from '../workflows/game-date/start-metadata';
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

export function createPlanner(deps: PlannerDeps): (input: PlanInput) => Promise<PlanResult> {
  return async function planGameDates({ now }: PlanInput): Promise<PlanResult> {
    const result: PlanResult = { window: null, dates: [], ensured: [], alreadyClosed: [], failed: [] };
    if (!deps.planning) return result;
    result.window = planningWindow(deps.planning.config, calendarDateIn(deps.definition.timeZone, now));
    if (!result.window) return result;
    result.dates = await calendarDates(deps.planning, result.window, deps.bigquery);
    for (const gameDate of result.dates) {
      const input: GameDateWorkflowInput = {
        definition: deps.definition,
        gameDate,
        plannedExpectations: plannedExpectations(deps.planning.config, deps.definition, gameDate),
        ...(deps.searchAttributes === false ? { searchAttributes: false } : {}),
      };
      try {
        await deps.client.workflow.start(GAME_DATE_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          // Planned dates are today's and the next few: live, whatever the bridge's backlog age.
          priority: { priorityKey: LIVE_DATE_PRIORITY },
          workflowId: gameDateWorkflowId(deps.definition.pipeline, gameDate),
          args: [input],
          ...gameDateStartMetadata(deps.definition, gameDate, { kind: 'planner', expectations: input.plannedExpectations ?? [] }),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        result.ensured.push(gameDate);
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) result.alreadyClosed.push(gameDate);
        else result.failed.push({ gameDate, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return result;
  };
}
