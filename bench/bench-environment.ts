/**
 * What one benchmark size runs on: a throwaway local stack on free ports (so it never clashes with a
 * developer's stack), the real worker and bridge processes, and clients for the bench itself. Everything
 * it starts is stopped by `stop()`, which is also called on Ctrl-C.
 */
import { createServer } from 'node:net';
import { PubSub } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { PortConflictError } from '../local-stack/ports';
import { spawnService, type ServiceProcess } from '../local-stack/service-process';
import { buildApp } from '../release/build';
import { startStack, testStackOptions, type RunningStack } from '../local-stack/stack';
import { endpointsToEnv, type StackEndpoints } from '../local-stack/stack-endpoints';

export interface BenchEnvironment {
  endpoints: StackEndpoints;
  worker: ServiceProcess;
  bridge: ServiceProcess;
  bridgeMetricsUrl: string;
  /** Process ids of every service of the run (stack, worker, bridge), by name. */
  pids: Record<string, number>;
  client: Client;
  pubsub: PubSub;
  stop(): Promise<void>;
}

export interface BenchEnvironmentOptions {
  /** Extra environment for the worker and the bridge (tuning knobs under test). */
  serviceEnv?: Record<string, string>;
  log: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The services run from the compiled build, as in production (no tsx, prebuilt workflow bundle); built once per bench run. */
let build: Promise<string> | undefined;

async function startService(name: 'worker' | 'bridge', env: NodeJS.ProcessEnv, readyTimeoutMs: number): Promise<ServiceProcess> {
  const service = spawnService(name, `${name}/main.js`, env, undefined, await (build ??= buildApp()));
  try {
    await service.waitForLine(/\bready:/, readyTimeoutMs);
  } catch (error) {
    await service.stop(5_000);
    throw error;
  }
  return service;
}

async function startBenchStack(attempts = 3): Promise<RunningStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStack(await testStackOptions());
    } catch (error) {
      if (!(error instanceof PortConflictError) || attempt >= attempts) throw error;
    }
  }
}

export async function startBenchEnvironment(options: BenchEnvironmentOptions): Promise<BenchEnvironment> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const started = Date.now();
  const stack = await startBenchStack();
  const cleanups: (() => Promise<void>)[] = [() => stack.stop()];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    options.log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (Temporal ${stack.endpoints.temporalAddress})`);
    const [workerHealth, workerMetrics, bridgeHealth] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...endpointsToEnv(stack.endpoints),
      ALERTS_TO_CONSOLE: '1',
      LOG_LEVEL: 'WARN',
      WORKER_HEALTH_PORT: String(workerHealth),
      WORKER_TEMPORAL_METRICS_PORT: String(workerMetrics),
      BRIDGE_HEALTH_PORT: String(bridgeHealth),
      ...options.serviceEnv,
    };
    const [worker, bridge] = await Promise.all([startService('worker', env, 120_000), startService('bridge', env, 60_000)]);
    cleanups.push(() => worker.stop(), () => bridge.stop());
    options.log(`worker (pid ${worker.pid}) and bridge (pid ${bridge.pid}) ready`);

    const connection = await Connection.connect({ address: stack.endpoints.temporalAddress });
    const client = new Client({ connection, namespace: stack.endpoints.temporalNamespace });
    const pubsub = new PubSub({ projectId: stack.endpoints.projectId, apiEndpoint: stack.endpoints.pubsubEmulatorHost, emulatorMode: true });
    // Closed before the services stop (cleanups run in reverse).
    cleanups.push(() => connection.close(), () => pubsub.close());
    const pids = { ...Object.fromEntries(stack.processes.map((p) => [p.name, p.pid])), worker: worker.pid, bridge: bridge.pid };
    return { endpoints: stack.endpoints, worker, bridge, pids, bridgeMetricsUrl: `http://127.0.0.1:${bridgeHealth}/metrics`, client, pubsub, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Series the bench reads from the bridge's /metrics to tell where a completion waited inside it. */
const BRIDGE_SERIES = /^bridge_(signal_latency_seconds_(bucket|count|sum)|signal_retries_total|messages_(nacked|redelivered|received)_total)\b/;

/** The bridge's signal, retry, nack and delivery series (name{labels} → value), to diff around a run. */
export async function bridgeSignalSeries(metricsUrl: string): Promise<Map<string, number>> {
  const text = await bridgeMetricsText(metricsUrl);
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!BRIDGE_SERIES.test(line)) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** What changed between two readings of bridgeSignalSeries, summed over topics: only the series that moved. */
export function bridgeSeriesDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [series, value] of after) {
    const moved = value - (before.get(series) ?? 0);
    if (moved === 0) continue;
    // Topic labels are summed away: the question is where the bridge spent the time, not on which topic.
    const name = series.replace(/topic="[^"]*",?/, '').replace('{}', '');
    delta[name] = Math.round(((delta[name] ?? 0) + moved) * 1000) / 1000;
  }
  return delta;
}

function bridgeMetricsText(metricsUrl: string): Promise<string> {
  return fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
}

/** Sum of the bridge's acknowledged-message counter (signalled and dead-lettered, not redeliveries of signalled ones), from its /metrics. */
export async function bridgeAcknowledged(metricsUrl: string): Promise<number> {
  const text = await bridgeMetricsText(metricsUrl);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('bridge_messages_acknowledged_total{') && !line.includes('outcome="already_signalled"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
