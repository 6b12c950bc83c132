/** The worker's configuration, validated at start (environment, alert channels, pipeline definition). */
import { loadAlertConfig, type AlertConfig } from '../activities/alert-channels';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { bindHostShape, googleEnvShape, logLevelShape, parseServiceEnv } from '../service/service-environment';
import { portVar, temporalEnvShape, tracingEnvShape } from '../service/environment-schema';
import { configStep } from '../service/startup';
import type { WorkerOptions } from '@temporalio/worker';
import { z } from 'zod';

export const workerEnvShape = {
  ...temporalEnvShape,
  ...googleEnvShape,
  ...bindHostShape,
  WORKER_HEALTH_PORT: portVar(8091, 'port of the worker /health and /metrics server on 127.0.0.1'),
  WORKER_TEMPORAL_METRICS_PORT: portVar(9464, 'port of the Temporal runtime Prometheus exporter on 127.0.0.1'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .refine((n) => n !== 1, 'must be 0 (no cache) or at least 2')
    .default(200)
    .describe('live date workflows kept in memory between tasks (0: none); an evicted one is replayed from its history on its next task'),
  WORKER_BACKLOG_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .refine((n) => n !== 1, 'must be 0 (no cache) or at least 2')
    .default(20)
    .describe("backfill date workflows kept in memory between tasks, on the backlog's task queue: a backfill touches each date once in a while, so a larger cache mostly holds memory"),
  WORKER_BACKLOG_THREAD_NICE: z.coerce
    .number()
    .int()
    .min(0)
    .max(19)
    .default(10)
    .describe("CPU priority (nice) of the backlog's workflow thread below the rest of the worker, on Linux: a backfill's replays give way to live dates (0: same priority)"),
  WORKER_WORKFLOW_TASK_POLLERS: z.enum(['autoscaling', 'fixed']).default('autoscaling').describe('how the worker polls for workflow tasks'),
  WORKER_MAX_WORKFLOW_TASK_POLLS: z.coerce.number().int().min(2).max(100).default(20).describe('most workflow-task polls open at once'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe("activities of the workflow's task queue (record writes, watchdogs) run at once; the rest wait on the server, live dates' first"),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(4)
    .describe('workflow tasks the worker holds at once; they run one after another on its workflow thread, so a live date\'s task waits behind those already taken, while in the server it passes the backlog\'s'),
  HEALTH_CACHE_SECONDS: z.coerce.number().min(0).default(30).describe('how long /health answers are cached'),
  ALERT_FLOOD_WINDOW_SECONDS: z.coerce
    .number()
    .min(0)
    .max(3600)
    .default(300)
    .describe("after a store outage's first per-date alert, the same outage alerted by other dates within this window is counted into one summary (0: one alert per date)"),
  ...logLevelShape,
  ...tracingEnvShape,
  WORKFLOW_STACK_TRACES: z
    .enum(['on', 'off'])
    .default('off')
    .describe("on: the workflow threads collect the stack of every promise for the stack-trace query (the Web UI's call stack), at about a quarter of their CPU (worker/workflow-stack-traces.ts)"),
  WORKER_DEPLOYMENT_NAME: z.string().min(1).default('phase-orchestrator').describe('worker deployment name reported to Temporal with the build id'),
  PIPELINE_DEFINITION: z.string().optional().describe('path of the pipeline definition file'),
};

export interface WorkerConfig {
  env: ReturnType<typeof parseWorkerEnv>;
  alertConfig: AlertConfig;
  definition: PipelineDefinition;
}

function parseWorkerEnv(env: NodeJS.ProcessEnv) {
  return parseServiceEnv('worker', workerEnvShape, env);
}

/** Throws a ServiceConfigError naming what is wrong; the worker never starts half-configured. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = parseWorkerEnv(env);
  return configStep('worker', () => ({ env: parsed, alertConfig: loadAlertConfig(env), definition: loadPipelineDefinition(parsed.PIPELINE_DEFINITION) }));
}

type WorkflowTaskOptions = Pick<WorkerOptions, 'maxConcurrentWorkflowTaskExecutions' | 'workflowTaskPollerBehavior' | 'maxConcurrentWorkflowTaskPolls' | 'nonStickyToStickyPollRatio'>;

/** Workflow-task slots and polls: a poll that returns holds a slot, so there are never more polls than slots. */
export function workflowTaskOptions(env: Pick<WorkerConfig['env'], 'WORKER_WORKFLOW_TASK_POLLERS' | 'WORKER_MAX_WORKFLOW_TASK_POLLS' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'>): WorkflowTaskOptions {
  const polls = Math.min(env.WORKER_MAX_WORKFLOW_TASK_POLLS, env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS);
  return {
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    ...(env.WORKER_WORKFLOW_TASK_POLLERS === 'autoscaling'
      ? { workflowTaskPollerBehavior: { type: 'autoscaling' as const, minimum: 2, initial: Math.min(4, polls), maximum: polls } }
      : { maxConcurrentWorkflowTaskPolls: polls, nonStickyToStickyPollRatio: 1 }),
  };
}
