/**
 * The bridge process: streaming pull on every completion topic of the pipeline definition, one
 * signalWithStart per message, `/health` (docs/contract.md §7) and `/metrics` on 127.0.0.1. SIGINT/SIGTERM stop
 * taking messages, let in-flight ones finish, flush the acknowledgements and exit.
 */
import '../service/missing-module-guard';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PubSub } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { createAlertPathStatus, createAlertSender } from '../activities/alert-channels';
import { alertPathProbe, createHealthChecker, pubsubProbe, serveHealth, type HealthProbe } from '../service/health-server';
import { createServiceLogger } from '../service/logger';
import { limitHeapGrowth, resolveBuildId } from '../service/service-environment';
import { configStep, runService } from '../service/startup';
import { describeTemporalConnection, temporalConnectionOptions } from '../service/temporal-connection';
import { startTracing } from '../service/tracing';
import { definitionFileSha256 } from '../contract/load-pipeline-definition';
import { loadBridgeConfig, replicaId, subscriptionNameFor } from './bridge-config';
import { createBridgeMetrics } from './bridge-metrics';
import { CompletionBridge } from './completion-bridge';
import { TemporalReachability } from './temporal-reachability';
import { TopicObserver } from './topic-observer';
import { SilentTopicWatcher } from '../watchdogs/silent-topic-watcher';
import { loadWatchdogConfig } from '../watchdogs/watchdog-config';
import { WorkerPollerWatcher } from '../watchdogs/worker-poller-watcher';

const log = createServiceLogger('bridge');

async function main(): Promise<void> {
  limitHeapGrowth();
  const { env, alertConfig, definition } = loadBridgeConfig();
  const buildId = resolveBuildId();
  // Before the client exists: its interceptors carry each message's trace into Temporal.
  const tracing = startTracing('bridge', buildId);
  const watchdogConfig = configStep('bridge', () => loadWatchdogConfig(process.env));
  const metrics = createBridgeMetrics(buildId);
  const alertPathStatus = createAlertPathStatus();
  const replica = replicaId(hostname(), randomBytes(3).toString('hex'));
  const deliver = createAlertSender(alertConfig, {
    status: alertPathStatus,
    warn: (message, fields) => log.warn(fields, message),
  });
  // Several replicas may raise the same condition under the same dedup key; the body says which one this was.
  const sendAlert: typeof deliver = (alert) => deliver({ ...alert, reportedBy: `bridge/${replica}` });
  const pubsub = new PubSub({ projectId: env.GOOGLE_CLOUD_PROJECT });
  // Lazy: the bridge starts (and reports itself unhealthy, and alerts) even while Temporal is down.
  const temporal = configStep('bridge', () => temporalConnectionOptions(env));
  const connection = Connection.lazy(temporal);
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: tracing.clientInterceptors });
  const reachability = new TemporalReachability({
    sendAlert,
    log,
    address: describeTemporalConnection(temporal),
    alertAfterMs: env.BRIDGE_TEMPORAL_ALERT_AFTER_SECONDS * 1_000,
    onChange: (reachable) => metrics.temporalReachable.set(reachable ? 1 : 0),
  });
  metrics.temporalReachable.set(1);
  // Watchdogs for what no message announces: a silent completion topic, and no worker polling the queue.
  const silentTopics = new SilentTopicWatcher({
    pipeline: definition.pipeline,
    topics: definition.transitions.map((t) => ({ topic: t.completionTopic, thresholdMs: (watchdogConfig.silentTopicOverrides[t.completionTopic] ?? watchdogConfig.silentTopicMinutes) * 60_000 })),
    timeZone: definition.timeZone,
    activeWindow: watchdogConfig.activeWindow,
    sendAlert,
  });
  // Silence is judged from every message on the topic, read through this replica's own subscription: replicas share
  // the -orchestrator subscriptions, so what this one was delivered there says nothing about the topic.
  const observer = new TopicObserver({
    pubsub,
    topics: definition.transitions.map((t) => t.completionTopic),
    subscriptionName: (topic) => subscriptionNameFor(env.BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE, topic, replica),
    onTraffic: (topic, publishedAt) => void silentTopics.record(topic, publishedAt),
    log,
  });
  const workerPollers = new WorkerPollerWatcher({
    pipeline: definition.pipeline,
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    thresholdMs: watchdogConfig.workerPollThresholdMs,
    sendAlert,
  });

  const bridge = new CompletionBridge({
    pubsub,
    client,
    definition,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    backlogAgeDays: env.BRIDGE_BACKLOG_AGE_DAYS,
    subscriptionName: (topic) => subscriptionNameFor(env.BRIDGE_SUBSCRIPTION_TEMPLATE, topic),
    maxInFlight: env.BRIDGE_MAX_IN_FLIGHT,
    maxSignalBatch: env.BRIDGE_MAX_SIGNAL_BATCH,
    maxSignalsInFlight: env.BRIDGE_MAX_SIGNALS_IN_FLIGHT,
    streamsPerSubscription: env.BRIDGE_STREAMS_PER_SUBSCRIPTION,
    ackDeadlineSeconds: env.BRIDGE_ACK_DEADLINE_SECONDS,
    signalTimeoutMs: env.BRIDGE_SIGNAL_TIMEOUT_SECONDS * 1000,
    maxHoldMs: env.BRIDGE_MAX_HOLD_MINUTES * 60_000,
    watchDeadLetters: true,
    sendAlert,
    deadLetterAlertWindowMs: env.BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS * 1000,
    // Also what this replica was delivered: the fallback while its own subscription of a topic cannot be had.
    onMessage: (topic, publishedAt) => void silentTopics.record(topic, publishedAt),
    reachability,
    metrics,
    log,
  });

  // Temporal is checked on a timer too, so an outage is noticed (and alerted) even when no message arrives.
  const checkTemporal = async (): Promise<void> => {
    try {
      await client.withDeadline(Date.now() + 5_000, () => connection.workflowService.getSystemInfo({}));
      reachability.succeeded();
    } catch (error) {
      reachability.failed(error);
    }
  };
  const temporalTimer = setInterval(() => void checkTemporal(), env.BRIDGE_TEMPORAL_CHECK_SECONDS * 1000);
  await checkTemporal();
  const watchdogTimer = setInterval(() => void Promise.all([silentTopics.check(), workerPollers.check()]), watchdogConfig.checkIntervalMs);

  const temporalHealth: HealthProbe = async () => {
    await checkTemporal();
    return reachability.health();
  };
  const firstTopic = definition.transitions[0]!.completionTopic;
  const pubsubReachable = pubsubProbe(pubsub, firstTopic);
  const checker = createHealthChecker({
    service: 'phase-orchestrator-bridge',
    version: buildId,
    pipeline: { name: definition.pipeline, definition_sha256: definitionFileSha256(env.PIPELINE_DEFINITION) },
    cacheTtlMs: env.HEALTH_CACHE_SECONDS * 1000,
    probes: {
      temporal: temporalHealth,
      pubsub: async () => {
        await pubsubReachable();
        return bridge.subscriptionHealth();
      },
      alerts: alertPathProbe(alertPathStatus),
      dead_letter_alerts: () => Promise.resolve(bridge.deadLetterAlertHealth()),
      silent_topics: () => {
        const verdict = silentTopics.health();
        const unavailable = Object.entries(observer.status().unavailable);
        // Still right for a lone replica; with several, a silence this replica alerts may be another's traffic.
        if (verdict.healthy && unavailable.length) return Promise.resolve({ healthy: true, error: `judged from this replica's deliveries only: ${unavailable.map(([t, e]) => `${t}: ${e}`).join('; ')}` });
        return Promise.resolve(verdict);
      },
      workers: () => Promise.resolve(workerPollers.health()),
    },
  });
  const health = await serveHealth(env.BRIDGE_HEALTH_PORT, checker, {
    '/metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    },
  }, env.SERVICE_BIND_HOST);

  await observer.start();
  bridge.start();
  log.info(
    {
      subscriptions: bridge.describe().map((s) => s.subscription),
      temporal: describeTemporalConnection(temporal),
      namespace: env.TEMPORAL_NAMESPACE,
      task_queue: env.TEMPORAL_TASK_QUEUE,
      build_id: buildId,
      replica,
      traces: tracing.exportUrl ?? 'off (no OTEL_EXPORTER_OTLP_ENDPOINT)',
      silence_subscriptions: observer.status().observed.map((topic) => subscriptionNameFor(env.BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE, topic, replica)),
      health: `http://127.0.0.1:${health.port}/health`,
      metrics: `http://127.0.0.1:${health.port}/metrics`,
    },
    `ready: ${bridge.describe().length} subscriptions → Temporal ${env.TEMPORAL_ADDRESS}, build ${buildId.slice(0, 12)}`,
  );

  let stopped: Promise<void> | undefined;
  const drainAndClose = async (signal: string): Promise<void> => {
    log.info(`${signal}: draining in-flight messages`);
    clearInterval(temporalTimer);
    clearInterval(watchdogTimer);
    const { drained } = await bridge.stop(env.BRIDGE_SHUTDOWN_GRACE_SECONDS * 1000);
    await observer.stop();
    log.info(drained ? 'drained; acknowledgements flushed' : 'grace period over; unfinished messages will be redelivered');
    await health.close();
    await Promise.allSettled([pubsub.close(), connection.close()]);
    await tracing.shutdown().catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'the last spans could not be exported'));
    log.info('shut down');
  };
  // Runs until the first signal's shutdown has finished; a second signal waits for the same one.
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, (s) => void (stopped ??= drainAndClose(s)).then(resolve));
  });
}

runService('bridge', log, main);
