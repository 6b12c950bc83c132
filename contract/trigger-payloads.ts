/**
 * The exact trigger messages of docs/contract.md §4, built from the workflow's state. Pure and deterministic:
 * the same round always yields the same messages, so a retried publish can be dropped by consumers.
 */
import type { TransitionDefinition } from './pipeline-definition';
import type { GameDateMode } from './game-date-mode';

export interface TriggerContext {
  gameDate: string;
  correlationId: string;
  triggerId: string;
  /** ISO-8601: when the rule decided to trigger (workflow time), fixed for every retry. */
  timestamp: string;
  reason: string;
  completed: string[];
  missing: string[];
  /** Execution id of the completion that tipped the rule. */
  parentExecutionId: string | null;
  waitSeconds: number | null;
  mode?: GameDateMode;
  isIncremental?: boolean;
  entitiesChanged?: { players: string[]; teams: string[] };
  batch?: { batchId: string; predictions: number | null };
}

export interface TriggerMessageData {
  data: Record<string, unknown>;
  attributes: Record<string, string>;
}

const TRIGGER_SOURCE = 'orchestrator';

export function buildTriggerMessages(transition: TransitionDefinition, ctx: TriggerContext): TriggerMessageData[] {
  const output = transition.output;
  const attributes = { trigger_id: ctx.triggerId, game_date: ctx.gameDate, transition: transition.name };
  const common = {
    correlation_id: ctx.correlationId,
    trigger_source: TRIGGER_SOURCE,
    triggered_by: output.triggeredBy,
    timestamp: ctx.timestamp,
    trigger_id: ctx.triggerId,
  };
  switch (output.payload) {
    case 'phase3_trigger':
      return [{ attributes, data: { game_date: ctx.gameDate, ...common, upstream_processors_count: ctx.completed.length } }];
    case 'phase4_per_table': {
      const entities = ctx.entitiesChanged ?? { players: [], teams: [] };
      const entitiesChanged = Object.fromEntries(Object.entries(entities).filter(([, ids]) => ids.length > 0));
      return transition.expectedProcessors.map((table) => ({
        attributes: { ...attributes, source_table: table },
        data: {
          source_table: table,
          analysis_date: ctx.gameDate,
          game_date: ctx.gameDate,
          success: true,
          ...common,
          mode: ctx.mode ?? null,
          trigger_reason: ctx.reason,
          is_incremental: ctx.isIncremental ?? false,
          entities_changed: entitiesChanged,
          parent_execution_id: ctx.parentExecutionId,
          parent_processor: output.parentProcessor,
        },
      }));
    }
    case 'predictions_trigger': {
      const tierFields = ctx.reason === 'all_complete' ? {} : { missing_processors: ctx.missing, wait_seconds: ctx.waitSeconds };
      return [
        {
          attributes,
          data: {
            game_date: ctx.gameDate,
            ...common,
            upstream_processors_count: ctx.completed.length,
            expected_processors: transition.expectedProcessors.length,
            missing_tables: ctx.missing,
            trigger_reason: ctx.reason,
            ...tierFields,
            parent_execution_id: ctx.parentExecutionId,
            parent_processor: output.parentProcessor,
          },
        },
      ];
    }
    case 'export_trigger':
      return [
        {
          attributes,
          data: {
            export_types: output.exportTypes,
            target_date: ctx.gameDate,
            update_latest: true,
            ...common,
            upstream_batch_id: ctx.batch?.batchId ?? null,
            upstream_predictions: ctx.batch?.predictions ?? null,
          },
        },
      ];
  }
}

/** The optional HTTP start call for the predictions coordinator (docs/contract.md §4.4). */
export function buildHttpTriggerBody(transition: TransitionDefinition, ctx: Pick<TriggerContext, 'gameDate' | 'correlationId'>) {
  const output = transition.output;
  if (output.payload !== 'predictions_trigger' || !output.httpTrigger) return undefined;
  return {
    urlEnvVar: output.httpTrigger.urlEnvVar,
    path: output.httpTrigger.path,
    body: { game_date: ctx.gameDate, correlation_id: ctx.correlationId, trigger_source: output.httpTrigger.triggerSource },
  };
}
