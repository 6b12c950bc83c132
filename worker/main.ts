/**
 * The worker process: runs the game-date workflow and its activities on the task queue, and a backfill's dates
 * on the backlog's queue beside it (workerTaskQueues), each with its trigger queue. Configuration,
 * alert channels and the pipeline definition are checked before anything connects; `/health` and `/metrics`
 * (prom-client plus the Temporal runtime's own Prometheus metrics) are served on 127.0.0.1; SIGINT/SIGTERM
 * drain the worker (in-flight tasks finish) before the process exits.
 */
import '../service/missing-module-guard';
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { createActivities, createAlertPathStatus } from '../activities';
import type { Alert } from '../activities/activity-contracts';
import { createAlertSender } from '../activities/alert-channels';
import {
  alertPathProbe,
  bigQueryProbe,
  createHealthChecker,
  firestoreProbe,
  pubsubProbe,
  serveHealth,
  temporalProbe,
  triggerTopicsProbe,
  type HealthProbe,
} from '../service/health-server';
import { DEFAULT_PIPELINE_DEFINITION_PATH, definitionFileSha256 } from '../contract/load-pipeline-definition';
import { loadPlanning } from '../watchdogs/planning';
import { loadWatchdogConfig } from '../watchdogs/watchdog-config';
import { ensureWatchdogSchedules, watchdogScheduleIds } from '../watchdogs/watchdog-schedules';
import { createWatchdogStatus, watchdogHealthProbe } from '../watchdogs/watchdog-status';
import { createServiceLogger, temporalLogger } from '../service/logger';
import { createGoogleClients } from '../service/google-clients';
import { limitHeapGrowth, resolveBuildId } from '../service/service-environment';
import { configStep, runService, ServiceConfigError } from '../service/startup';
import { describeTemporalConnection, temporalConnectError, temporalConnectionOptions } from '../service/temporal-connection';
import { startTracing } from '../service/tracing';
import { createDateWorkers } from './date-workers';
import { loadWorkerConfig, workflowTaskOptions } from './worker-config';
import { bundleWorkflowsInChild, prebuiltWorkflowBundle } from './workflow-bundle';
import { workerActivities } from './worker-activities';
import { workflowFailureErrorTypes } from './workflow-failure-policy';
import { stackTracesPreloaded } from './workflow-stack-traces';
import { threadPrioritySupported } from './workflow-thread-priority';

const log = createServiceLogger('worker');

/** Both settings the preload applies inside the workflow threads say so when it is missing. */
const WITHOUT_PRELOAD = 'started without --require ./worker/workflow-stack-traces.js';

/** What the start-up line says of the stack-trace query; without the preload the SDK collects stacks whatever the setting. */
function workflowStackTraces(setting: 'on' | 'off'): string {
  if (setting === 'on') return 'on (WORKFLOW_STACK_TRACES=on)';
  return stackTracesPreloaded() ? 'off' : `on: ${WITHOUT_PRELOAD}, so the setting cannot take effect`;
}

/** What the start-up line says of the backlog's workflow thread priority, which the preload applies inside the thread. */
function backlogThreadNice(nice: number): number | string {
  if (nice === 0) return 0;
  if (!threadPrioritySupported) return 'unchanged: a thread of its own priority needs Linux';
  return stackTracesPreloaded() ? nice : `unchanged: ${WITHOUT_PRELOAD}`;
}

async function main(): Promise<void> {
  limitHeapGrowth();
  const config = loadWorkerConfig();
  const { env, definition } = config;
  const buildId = resolveBuildId();
  const tracing = startTracing('worker', buildId);
  // The deployment version (name + build id = commit) replaces the deprecated buildId option. Routing by version
  // (useWorkerVersioning) stays off: the server would send no task to a version until a rollout step made it
  // current, and only then does it register the deployment.
  const workerDeploymentOptions = { version: { deploymentName: env.WORKER_DEPLOYMENT_NAME, buildId }, useWorkerVersioning: false } as const;
  const watchdogConfig = configStep('worker', () => loadWatchdogConfig(process.env));
  const planning = configStep('worker', () => loadPlanning(env.PIPELINE_DEFINITION ?? DEFAULT_PIPELINE_DEFINITION_PATH, definition));
  const runtimeMetricsAddress = `127.0.0.1:${env.WORKER_TEMPORAL_METRICS_PORT}`;
  Runtime.install({
    logger: temporalLogger(log, env.LOG_LEVEL),
    telemetryOptions: {
      logging: { filter: { core: env.LOG_LEVEL === 'INFO' ? 'WARN' : env.LOG_LEVEL, other: env.LOG_LEVEL }, forward: {} },
      metrics: { prometheus: { bindAddress: runtimeMetricsAddress } },
    },
  });

  // Started first: it runs while the connections below are made.
  const prebuilt = prebuiltWorkflowBundle();
  const workflowBundle = prebuilt ?? bundleWorkflowsInChild(require.resolve('../workflows'), env.LOG_LEVEL);
  workflowBundle.catch(() => undefined); // awaited below; a failure surfaces there, not as an unhandled rejection first
  const google = createGoogleClients(env);
  const alertPathStatus = createAlertPathStatus();
  const temporal = configStep('worker', () => temporalConnectionOptions(env));
  const refused = (error: unknown): never => {
    throw new ServiceConfigError(`worker cannot start: ${temporalConnectError(temporal, error)}`);
  };
  const connection = await NativeConnection.connect(temporal).catch(refused);
  const clientConnection = await Connection.connect(temporal).catch(refused);
  // The watchdogs' client: a date the planner starts from a traced activity joins that trace.
  const client = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE, interceptors: tracing.clientInterceptors });
  const transitionActivities = createActivities({ ...google, datasetId: env.BIGQUERY_DATASET, alertConfig: config.alertConfig, alertPathStatus, alertFloodWindowMs: env.ALERT_FLOOD_WINDOW_SECONDS * 1_000 });
  const watchdogStatus = createWatchdogStatus();
  const scheduleIds = watchdogConfig.enabled ? watchdogScheduleIds({ pipeline: definition.pipeline, config: watchdogConfig, planning: planning !== null }) : [];

  const workers = await createDateWorkers({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    live: { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS },
    backlog: { maxCachedWorkflows: env.WORKER_BACKLOG_MAX_CACHED_WORKFLOWS, threadNice: env.WORKER_BACKLOG_THREAD_NICE },
    dates: {
      workflowBundle: await workflowBundle,
      ...workflowTaskOptions(env),
      maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      activities: workerActivities(transitionActivities, client, {
        definition,
        planning,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        firestore: google.firestore,
        bigquery: google.bigquery,
        datasetId: env.BIGQUERY_DATASET,
        healthEndpoints: watchdogConfig.healthEndpoints,
        alertPath: { status: alertPathStatus, sendAlert: (alert) => transitionActivities.sendAlert(alert) },
        scheduleIds,
        status: watchdogStatus,
      }),
      workflowFailureErrorTypes,
      // The workflow side of tracing is in the bundle (workflows/tracing-interceptors.ts); its spans leave through this sink.
      interceptors: tracing.workerInterceptors,
      sinks: tracing.workflowSinks,
      workerDeploymentOptions,
      identity: `phase-orchestrator-worker@${buildId.slice(0, 12)}/${process.pid}`,
    },
    triggers: {
      activities: transitionActivities,
      interceptors: tracing.workerInterceptors,
      workerDeploymentOptions,
      identity: `phase-orchestrator-triggers@${buildId.slice(0, 12)}/${process.pid}`,
    },
  });
  const polled = workers.map((w) => w.options.taskQueue);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'orchestrator_worker_' });
  new Gauge({ name: 'orchestrator_worker_info', help: 'Build and task queue of this worker', labelNames: ['build_id', 'task_queue', 'pipeline'], registers: [registry] })
    .set({ build_id: buildId, task_queue: env.TEMPORAL_TASK_QUEUE, pipeline: definition.pipeline }, 1);

  // A trigger topic without a subscription drops every trigger: told at start, in /health, and before each publish.
  const triggerTopicsCheck = triggerTopicsProbe(google.pubsub, [...new Set(definition.transitions.filter((t) => t.mode === 'trigger').map((t) => t.outputTopic))]);
  await warnOfUnsubscribedTriggerTopics(triggerTopicsCheck, createAlertSender(config.alertConfig, { status: alertPathStatus, warn: (message, fields) => log.warn(fields, message) }), definition.pipeline);
  const checker = createHealthChecker({
    service: 'phase-orchestrator-worker',
    version: buildId,
    pipeline: { name: definition.pipeline, definition_sha256: definitionFileSha256(env.PIPELINE_DEFINITION) },
    cacheTtlMs: env.HEALTH_CACHE_SECONDS * 1000,
    probes: {
      temporal: temporalProbe(connection),
      worker: () => {
        const stopped = workers.filter((w) => w.getState() !== 'RUNNING').map((w) => `${w.options.taskQueue} is ${w.getState()}`);
        return Promise.resolve(stopped.length ? { healthy: false, error: stopped.join('; ') } : { healthy: true, error: null });
      },
      firestore: firestoreProbe(google.firestore),
      bigquery: bigQueryProbe(google.bigquery, env.BIGQUERY_DATASET),
      pubsub: pubsubProbe(google.pubsub),
      trigger_topics: triggerTopicsCheck,
      alerts: alertPathProbe(alertPathStatus),
      watchdogs: watchdogHealthProbe(client, scheduleIds, watchdogStatus),
    },
  });
  const schedules = await ensureWatchdogSchedules(client, { pipeline: definition.pipeline, taskQueue: env.TEMPORAL_TASK_QUEUE, config: watchdogConfig, planning: planning !== null });
  const health = await serveHealth(env.WORKER_HEALTH_PORT, checker, {
    '/metrics': async (_req, res) => {
      const own = await registry.metrics();
      // The runtime's exporter serves core metrics (task latencies, pollers, slots) on its own port; include them here too.
      const core = await fetch(`http://${runtimeMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.text())
        .catch((error: unknown) => `# Temporal runtime metrics unavailable: ${(error as Error).message}\n`);
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(`${own}\n${core}`);
    },
  }, env.SERVICE_BIND_HOST);

  log.info(
    {
      task_queues: polled,
      temporal: describeTemporalConnection(temporal),
      namespace: env.TEMPORAL_NAMESPACE,
      pipeline: definition.pipeline,
      build_id: buildId,
      workflow_bundle: prebuilt ? 'prebuilt' : 'bundled at start',
      workflow_stack_traces: workflowStackTraces(env.WORKFLOW_STACK_TRACES),
      backlog_thread_nice: backlogThreadNice(env.WORKER_BACKLOG_THREAD_NICE),
      alert_channels: config.alertConfig.channels.map((c) => c.name),
      traces: tracing.exportUrl ?? 'off (no OTEL_EXPORTER_OTLP_ENDPOINT)',
      health: `http://127.0.0.1:${health.port}/health`,
      metrics: `http://127.0.0.1:${health.port}/metrics`,
      watchdog_schedules: watchdogConfig.enabled ? { created: schedules.created, updated: schedules.updated, run_now: schedules.triggered } : 'disabled (WATCHDOGS_ENABLED=0)',
    },
    `ready: task queues ${polled.join(', ')}, pipeline ${definition.pipeline}, build ${buildId.slice(0, 12)}`,
  );
  // Runtime's default shutdown signals (SIGINT, SIGTERM, …) make every worker stop polling and drain;
  // if one of them fails, the others are shut down too, so the process never runs part of a worker.
  await Promise.all(workers.map((w) => w.run().catch((error: unknown) => {
    for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
    throw error;
  })));
  log.info('stopped polling; in-flight tasks finished');
  await health.close();
  await clientConnection.close();
  await connection.close();
  await Promise.allSettled([google.pubsub.close(), google.firestore.terminate()]);
  await tracing.shutdown().catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'the last spans could not be exported'));
  log.info('shut down');
}

/** Runs the trigger-topic check once at start; a topic without a subscription is a critical alert (the worker still starts). */
async function warnOfUnsubscribedTriggerTopics(check: HealthProbe, sendAlert: (alert: Alert) => Promise<unknown>, pipeline: string): Promise<void> {
  try {
    const verdict = await check();
    if (!verdict || verdict.healthy) return;
    log.error(`trigger topics: ${verdict.error}`);
    await sendAlert({
      severity: 'critical',
      title: `Trigger topic without a subscription (${pipeline})`,
      text: `${verdict.error}. The transitions publishing there stay re-triggerable and alert until a subscription exists; create the next phase's subscription.`,
      // Every worker replica checks at start: one key for all of them, the replica beside it.
      dedupKey: `${pipeline}:trigger-topics-unsubscribed:${verdict.error}`,
      timestamp: new Date().toISOString(),
      reportedBy: `worker/${hostname()}`,
    });
  } catch (error) {
    // Pub/Sub or the alert path is down: /health reports both, and each publish checks again.
    log.error(`trigger topics could not be checked at start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

runService('worker', log, main);
