/**
 * Every watchdog activity, built from injected clients (the worker creates them once), like `createActivities`.
 * Register both on the worker: the watchdog workflows also use the transition activities' `sendAlert`.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { Client } from '@temporalio/client';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import type { WatchdogActivities } from '../workflows/watchdogs/watchdog-contracts';
import { createHealthProbes, type AlertPath } from './health-probe-activities';
import { createPlanner } from './planner-activities';
import type { LoadedPlanning } from './planning';
import { createReconciler, createUnrecordedDateRecorder, type ProjectionWriters } from './reconciliation-activities';
import { createStuckWorkflowFinder } from './stuck-workflows-activities';
import { createWatchdogStatus, recordOutcome, scheduleProblems, type WatchdogStatus } from './watchdog-status';

/** The watchdog workflows' type names (as exported by workflows/index.ts). */
export const WATCHDOG_WORKFLOW_TYPES = ['plannerWorkflow', 'reconciliationWorkflow', 'stuckWorkflowsWorkflow', 'healthProbeWorkflow'];

export interface WatchdogDeps {
  client: Client;
  definition: PipelineDefinition;
  planning: LoadedPlanning | null;
  /** Task queue of the game-date workflows (the planner starts them there). */
  taskQueue: string;
  firestore: Firestore;
  bigquery: BigQuery;
  datasetId: string;
  /** The transition activities' idempotent writers, reused for repairs. */
  writers: ProjectionWriters;
  healthEndpoints?: { name: string; url: string }[];
  /** The heartbeat is withheld while this alert path cannot deliver. */
  alertPath?: AlertPath;
  /** Schedule ids checked for "paused or missing" (from `watchdogScheduleIds`). */
  scheduleIds?: string[];
  status?: WatchdogStatus;
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  searchAttributes?: boolean;
  reconcileSettleMs?: number;
  /** A pending workflow task at this attempt or later counts as stuck (default 3). */
  failingTaskAttempts?: number;
}

export function createWatchdogActivities(deps: WatchdogDeps): WatchdogActivities {
  const status = deps.status ?? createWatchdogStatus();
  const probes = createHealthProbes({ endpoints: deps.healthEndpoints ?? [], fetch: deps.fetch, env: deps.env, alertPath: deps.alertPath });
  return {
    planGameDates: createPlanner({ client: deps.client, definition: deps.definition, planning: deps.planning, taskQueue: deps.taskQueue, bigquery: deps.bigquery, searchAttributes: deps.searchAttributes }),
    reconcileGameDates: createReconciler({
      client: deps.client,
      definition: deps.definition,
      firestore: deps.firestore,
      bigquery: deps.bigquery,
      datasetId: deps.datasetId,
      writers: deps.writers,
      settleMs: deps.reconcileSettleMs,
      planning: deps.planning,
    }),
    recordUnrecordedDates: createUnrecordedDateRecorder({ definition: deps.definition, writers: deps.writers }),
    findStuckWorkflows: createStuckWorkflowFinder({ client: deps.client, pipeline: deps.definition.pipeline, workflowTypes: WATCHDOG_WORKFLOW_TYPES, failingTaskAttempts: deps.failingTaskAttempts }),
    checkWatchdogSchedules: () => scheduleProblems(deps.client, deps.scheduleIds ?? []),
    probeHealthEndpoints: probes.probeHealthEndpoints,
    pingHeartbeat: probes.pingHeartbeat,
    recordWatchdogOutcome: async (outcome) => recordOutcome(status, outcome),
  };
}
