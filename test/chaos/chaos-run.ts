/**
 * One chaos run: its own local stack, several workers and bridges as real processes (the bridges share
 * their subscriptions, the workers their task queue), TCP proxies on the workers' BigQuery and Firestore links
 * and the bridges' Temporal link, a prediction coordinator and an alert channel that can fail, a season slice
 * of traffic, and faults spread over it by the seed. When traffic and faults are over and every date has
 * settled (or the settle time ran out), the audit judges what the outside world saw.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHASE_COMPLETIONS_TABLE, PHASE_COMPLETIONS_VIEW, PHASE_EXECUTION_LOG_TABLE, PHASE_EXECUTION_LOG_VIEW } from '../../activities/bigquery-schema';
import { deadLetterTopicName, pipelineTopics } from '../../contract/pipeline-topics';
import { DEFAULT_PIPELINE_DEFINITION_PATH, loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { createReconciler, type ProjectionWriters } from '../../watchdogs/reconciliation-activities';
import { GAME_DATE_WORKFLOW_TYPE, gameDateWorkflowId, statusQuery, type GameDateWorkflowInput } from '../../workflows/game-date/messages';
import type { GameDateStatus } from '../../workflows/game-date/status';
import type { ReconcileResult } from '../../workflows/watchdogs/watchdog-contracts';
import { createWorld, type E2eService, type E2eWorld } from '../e2e/e2e-kit';
import { auditChaosRun, type ChaosAudit, type FaultRecord, type HealthSample, type TriggerSeen } from './chaos-audit';
import { startChaosStack, type ChaosStack } from './chaos-stack';
import { planFaults, type PlannedFault } from './fault-plan';
import { startPredictionCoordinator, type PredictionCoordinator } from './prediction-coordinator';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { addDays, seasonSlice, type TrafficMessage } from './traffic';

export interface ChaosOptions {
  dates: number;
  faults: number;
  seed: number;
  workers: number;
  bridges: number;
  /** How long after the last fault dates may take to settle (every write drained) before the audit (default 6 min). */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  options: Omit<ChaosOptions, 'log'>;
  startedAt: string;
  durationSeconds: number;
  /** From the end of traffic and faults until every date had what it should and no write pending (null: never). */
  settledAfterSeconds: number | null;
  faults: FaultRecord[];
  audit: ChaosAudit;
}

const FIRST_DATE = '2024-10-22';

/** The audit's reconciliation is a dry run: it reports, and a write would be a bug in the audit. */
const refuse = (): Promise<never> => Promise.reject(new Error('the chaos audit never writes'));
const AUDIT_NEVER_WRITES: ProjectionWriters = { projectCompletionDocument: refuse, recordCompletionRows: refuse, recordExecutionLog: refuse, upsertCompletionStatus: refuse };
/** Where the network faults act, in the order `dependencyHitBy` names them. */
const PROXIED_LINKS = ['worker→bigquery', 'worker→firestore', 'bridge→temporal'] as const;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();
  const definition = loadPipelineDefinition(DEFAULT_PIPELINE_DEFINITION_PATH);
  const topics = pipelineTopics(definition);
  // Traffic starts spread over about 12 s per date with a floor, so the faults meet writes in flight.
  const spreadMs = Math.max(60_000, options.dates * 2_500);
  const slice = seasonSlice({ definition, seed: options.seed, dates: options.dates, firstDate: FIRST_DATE, spreadMs });
  const plan = planFaults({ seed: options.seed, faults: options.faults, windowMs: spreadMs + 15_000, workers: options.workers, bridges: options.bridges, proxied: PROXIED_LINKS.length });
  log(`${slice.dates.length} dates, ${slice.messages.length} messages, ${plan.length} faults over ${Math.round(spreadMs / 1000)} s`);

  const chaos = await startChaosStack((line) => log(`stack: ${line}`));
  const cleanup: (() => Promise<unknown>)[] = [() => chaos.stop()];
  try {
    const { endpoints } = chaos.stack;
    const proxies: TcpProxy[] = await Promise.all([
      startTcpProxy(PROXIED_LINKS[0], endpoints.bigqueryApiEndpoint),
      startTcpProxy(PROXIED_LINKS[1], endpoints.firestoreEmulatorHost),
      startTcpProxy(PROXIED_LINKS[2], endpoints.temporalAddress),
    ]);
    cleanup.unshift(() => Promise.all(proxies.map((p) => p.close())));
    const coordinator = await startPredictionCoordinator();
    cleanup.unshift(() => coordinator.close());
    const world = await createWorld({ endpoints });
    cleanup.unshift(() => world.close());

    const workerEnv = {
      BIGQUERY_API_ENDPOINT: `http://${proxies[0]!.address}`,
      FIRESTORE_EMULATOR_HOST: proxies[1]!.address,
      PREDICTION_COORDINATOR_URL: coordinator.url,
    };
    // Production's alert wait, not the e2e kit's short one: the run judges the noise people would get.
    const bridgeEnv = { TEMPORAL_ADDRESS: proxies[2]!.address, BRIDGE_TEMPORAL_ALERT_AFTER_SECONDS: '30' };
    const workers: (E2eService | null)[] = await Promise.all(Array.from({ length: options.workers }, () => world.startWorker(workerEnv)));
    const bridges: (E2eService | null)[] = await Promise.all(Array.from({ length: options.bridges }, () => world.startBridge(bridgeEnv)));
    log(`${options.workers} workers and ${options.bridges} bridges ready`);

    const connection = await Connection.connect({ address: endpoints.temporalAddress });
    cleanup.unshift(() => connection.close());
    const client = new Client({ connection, namespace: endpoints.temporalNamespace });

    // Planned dates on which nothing arrives: the planner's job, done here with a short expectation.
    const silentDates = Array.from({ length: Math.max(1, Math.round(options.dates / 25)) }, (_, i) => addDays(FIRST_DATE, options.dates + 1 + i));
    await Promise.all(
      silentDates.map((gameDate) =>
        client.workflow.start(GAME_DATE_WORKFLOW_TYPE, {
          taskQueue: world.taskQueue,
          workflowId: gameDateWorkflowId(definition.pipeline, gameDate),
          args: [{ definition, gameDate, plannedExpectations: [{ transition: 'phase2_to_phase3', expectedBy: Date.now() + 30_000 }] } satisfies GameDateWorkflowInput],
        }),
      ),
    );

    const health: HealthSample[] = [];
    const sampling = sampleHealth(health, { worker: workers, bridge: bridges });
    cleanup.unshift(() => sampling.stop());

    const runStart = Date.now();
    const publishing = publishTraffic(world, slice.messages, runStart, log);
    const faults = await injectFaults(plan, runStart, { chaos, world, workers, bridges, workerEnv, bridgeEnv, proxies, coordinator, log });
    await publishing;
    log('traffic and faults done; waiting for every date to settle');

    const allDates = [...slice.dates, ...silentDates];
    const { statuses, settledAfterMs } = await settle(client, definition.pipeline, allDates, slice, world, options.settleMs ?? 360_000, log);
    await sampling.stop();

    const bigquery = new BigQuery({ projectId: endpoints.projectId, apiEndpoint: endpoints.bigqueryApiEndpoint });
    const firestore = firestoreAt(endpoints.projectId, endpoints.firestoreEmulatorHost);
    cleanup.unshift(() => firestore.terminate());
    const dataset = endpoints.bigqueryDataset;
    // Exactly once as readers see it (the views); the tables may hold a retried append twice, which is counted apart.
    const [completionRows] = await bigquery.query({ query: `SELECT row_key, COUNT(*) AS n FROM \`${dataset}.${PHASE_COMPLETIONS_VIEW}\` GROUP BY row_key` });
    const [logDuplicates] = await bigquery.query({ query: `SELECT row_key, COUNT(*) AS n FROM \`${dataset}.${PHASE_EXECUTION_LOG_VIEW}\` GROUP BY row_key HAVING COUNT(*) > 1` });
    const [reappended] = await bigquery.query({
      query: `SELECT (SELECT COUNT(*) - COUNT(DISTINCT row_key) FROM \`${dataset}.${PHASE_COMPLETIONS_TABLE}\`) + (SELECT COUNT(*) - COUNT(DISTINCT row_key) FROM \`${dataset}.${PHASE_EXECUTION_LOG_TABLE}\`) AS n`,
    });
    const reconcile = createReconciler({ client, definition, firestore, bigquery, datasetId: dataset, writers: AUDIT_NEVER_WRITES, settleMs: 0 });
    // The reconciler is an activity (it heartbeats): run it in an activity context of its own.
    const reconciliation: ReconcileResult = await new MockActivityEnvironment().run(reconcile, { dryRun: true, now: Date.now() });

    const audit = auditChaosRun({
      slice,
      silentDates,
      triggers: triggersSeen(world, topics.triggerTopics),
      coordinatorCalls: coordinator.calls,
      alerts: world.sink.alerts,
      deadLetters: topics.completionTopics.flatMap((t) => world.reader(deadLetterTopicName(t)).messages.map((m) => ({ raw: m.raw, reason: m.attributes.dlq_reason }))),
      completionRowCounts: new Map((completionRows as { row_key: string; n: number }[]).map((r) => [r.row_key, Number(r.n)])),
      duplicateLogRows: (logDuplicates as { row_key: string; n: number }[]).map((r) => ({ rowKey: r.row_key, count: Number(r.n) })),
      rowsAppendedAgain: Number((reappended as { n: number }[])[0]?.n ?? 0),
      discrepancies: reconciliation.details,
      discrepancyCount: reconciliation.discrepancies,
      statuses,
      faults,
      health,
      outputTopics: Object.fromEntries(definition.transitions.map((t) => [t.name, t.outputTopic])),
    });
    return {
      options: { dates: options.dates, faults: options.faults, seed: options.seed, workers: options.workers, bridges: options.bridges, settleMs: options.settleMs },
      startedAt: new Date(startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      settledAfterSeconds: settledAfterMs === null ? null : Math.round(settledAfterMs / 1000),
      faults,
      audit,
    };
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

/**
 * The Firestore client prefers FIRESTORE_EMULATOR_HOST over its settings, and inside the test suite that names
 * the suite's own stack: point it at the chaos stack while the client is built (it reads the variable then).
 */
function firestoreAt(projectId: string, host: string): Firestore {
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    return new Firestore({ projectId });
  } finally {
    if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = saved;
  }
}

async function publishTraffic(world: E2eWorld, messages: TrafficMessage[], runStart: number, log: (line: string) => void): Promise<void> {
  const sends: Promise<void>[] = [];
  for (const message of messages) {
    const wait = runStart + message.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    sends.push(publishUntilAccepted(world, message, log));
  }
  await Promise.all(sends);
}

/** A publish that fails while Pub/Sub is down is retried: the producer's duty, not the orchestrator's. */
async function publishUntilAccepted(world: E2eWorld, message: TrafficMessage, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await world.publish(message.topic, message.body);
      return;
    } catch (error) {
      if (attempt === 1) log(`publish to ${message.topic} failed (${(error as Error).message}); retrying`);
      await sleep(1_000);
    }
  }
}

interface FaultLevers {
  chaos: ChaosStack;
  world: E2eWorld;
  workers: (E2eService | null)[];
  bridges: (E2eService | null)[];
  workerEnv: NodeJS.ProcessEnv;
  bridgeEnv: NodeJS.ProcessEnv;
  proxies: TcpProxy[];
  coordinator: PredictionCoordinator;
  log: (line: string) => void;
}

async function injectFaults(plan: PlannedFault[], runStart: number, levers: FaultLevers): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  await Promise.all(
    plan.map(async (fault) => {
      await sleep(Math.max(0, runStart + fault.startMs - Date.now()));
      const record: FaultRecord = { ...fault, startedAt: Date.now(), endedAt: null, error: null };
      records.push(record);
      levers.log(`fault ${fault.id}: ${fault.kind} (target ${fault.target}) for ${Math.round(fault.durationMs / 1000)} s`);
      try {
        const undo = await applyFault(fault, levers);
        await sleep(Math.max(0, record.startedAt + fault.durationMs - Date.now()));
        await undo();
      } catch (error) {
        record.error = (error as Error).message.split('\n')[0]!;
        levers.log(`fault ${fault.id} ${fault.kind}: ${record.error}`);
      }
      record.endedAt = Date.now();
    }),
  );
  return records.sort((a, b) => a.id - b.id);
}

/** Applies a fault; returns what ends it. */
async function applyFault(fault: PlannedFault, levers: FaultLevers): Promise<() => Promise<void>> {
  const { chaos, world, coordinator, proxies } = levers;
  switch (fault.kind) {
    case 'worker_kill':
    case 'bridge_kill': {
      const pool = fault.kind === 'worker_kill' ? levers.workers : levers.bridges;
      await pool[fault.target]?.process.kill();
      pool[fault.target] = null;
      return async () => {
        pool[fault.target] = await startLikeASupervisor(() => (fault.kind === 'worker_kill' ? world.startWorker(levers.workerEnv) : world.startBridge(levers.bridgeEnv)), fault, levers.log);
      };
    }
    case 'pubsub_pause':
    case 'firestore_pause':
    case 'bigquery_pause': {
      const name = fault.kind.replace('_pause', '') as 'pubsub' | 'firestore' | 'bigquery';
      chaos.pause(name);
      return () => Promise.resolve(chaos.resume(name));
    }
    case 'temporal_restart':
      await chaos.killTemporal();
      return () => chaos.startTemporal();
    case 'network_delay':
      proxies[fault.target]!.delay(300 + (fault.id % 5) * 200);
      return () => Promise.resolve(proxies[fault.target]!.heal());
    case 'network_cut':
      proxies[fault.target]!.cut();
      return () => Promise.resolve(proxies[fault.target]!.heal());
    case 'coordinator_5xx':
    case 'coordinator_timeout':
    case 'coordinator_400':
      coordinator.mode = fault.kind === 'coordinator_5xx' ? '5xx' : fault.kind === 'coordinator_timeout' ? 'timeout' : '400';
      return () => Promise.resolve(void (coordinator.mode = 'ok'));
    case 'alert_channel_down':
      world.sink.failWith = 503;
      return () => Promise.resolve(void (world.sink.failWith = null));
  }
}

/**
 * A service refuses to start while a dependency it checks at start is down (another fault may be under way):
 * it exits with the reason, and its supervisor (Kubernetes, compose) starts it again. So does the chaos run.
 */
async function startLikeASupervisor(start: () => Promise<E2eService>, fault: PlannedFault, log: (line: string) => void): Promise<E2eService> {
  const deadline = Date.now() + 5 * 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const reason = (error as Error).message.split('\n').find((line) => /cannot start|Error/.test(line)) ?? (error as Error).message.split('\n')[0];
      if (Date.now() > deadline) throw error;
      log(`fault ${fault.id} ${fault.kind}: start attempt ${attempt} failed (${reason?.slice(0, 200)}); starting again`);
      await sleep(2_000);
    }
  }
}

function sampleHealth(samples: HealthSample[], pools: Record<'worker' | 'bridge', (E2eService | null)[]>): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const probes = Object.entries(pools).flatMap(([kind, pool]) =>
        pool.map(async (service, index) => {
          if (!service) return;
          const process = `${kind}-${index}`;
          try {
            const response = await fetch(`http://127.0.0.1:${service.healthPort}/health`, { signal: AbortSignal.timeout(8_000) });
            const body = (await response.json()) as { dependencies?: Record<string, { healthy: boolean }> };
            const unhealthy = Object.entries(body.dependencies ?? {}).filter(([, d]) => !d.healthy).map(([name]) => name);
            samples.push({ at, process, status: response.status, unhealthy });
          } catch {
            samples.push({ at, process, status: 0, unhealthy: [] });
          }
        }),
      );
      await Promise.all([Promise.all(probes), sleep(2_000)]);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function triggersSeen(world: E2eWorld, triggerTopics: string[]): TriggerSeen[] {
  return triggerTopics.flatMap((topic) =>
    world.reader(topic).messages.map((m) => ({
      topic,
      gameDate: text(m.data.game_date) || text(m.data.target_date),
      triggerId: m.attributes.trigger_id ?? text(m.data.trigger_id),
      messageKey: m.attributes.trigger_message_key ?? '',
    })),
  );
}

/** Waits until every date has what it should (or has failed), with no write pending; returns the final statuses. */
async function settle(
  client: Client,
  pipeline: string,
  dates: string[],
  slice: ReturnType<typeof seasonSlice>,
  world: E2eWorld,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ statuses: Map<string, GameDateStatus | null>; settledAfterMs: number | null }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastReport = started;
  const statuses = new Map<string, GameDateStatus | null>();
  for (;;) {
    await Promise.all(
      dates.map(async (gameDate) => {
        try {
          statuses.set(gameDate, await client.workflow.getHandle(gameDateWorkflowId(pipeline, gameDate)).query(statusQuery));
        } catch {
          statuses.set(gameDate, null);
        }
      }),
    );
    const unsettled = dates.filter((gameDate) => {
      const status = statuses.get(gameDate);
      if (!status) return true;
      const pending = status.pendingWrites;
      if (status.writing || pending.completionRows + pending.logRows + pending.alerts + pending.projections.length + pending.statusRows.length > 0) return true;
      if (!slice.dates.includes(gameDate)) return !world.sink.alerts.some((a) => a.game_date === gameDate);
      const expectedBatches = slice.qualifyingBatches.get(gameDate)?.length ?? 0;
      return status.transitions.some((t) => {
        const decided = t.rounds.filter((r) => r.state === 'triggered' || r.state === 'failed' || r.state === 'skipped').length;
        return t.name === 'phase5_to_phase6' ? decided < expectedBatches + (slice.nonQualifyingBatches.get(gameDate)?.length ?? 0) : decided < 1;
      });
    });
    if (unsettled.length === 0 || Date.now() > deadline) {
      if (unsettled.length) log(`${unsettled.length} dates still unsettled when the settle time ran out: ${unsettled.slice(0, 5).join(', ')}`);
      const settledAfterMs = unsettled.length === 0 ? Date.now() - started : null;
      // Writes just drained: give the last webhook deliveries and trigger reads a moment.
      await sleep(5_000);
      return { statuses, settledAfterMs };
    }
    if (Date.now() - lastReport >= 60_000) {
      lastReport = Date.now();
      const pendingRows = [...statuses.values()].reduce((sum, s) => sum + (s ? s.pendingWrites.completionRows + s.pendingWrites.logRows : 0), 0);
      log(`${unsettled.length} dates unsettled, ${pendingRows} rows waiting to be written`);
    }
    await sleep(5_000);
  }
}
