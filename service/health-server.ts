/**
 * The `/health` answer (docs/contract.md §7), shared by the worker and the bridge: each names its dependencies as
 * probes; a probe passes by resolving and fails by throwing (or by reporting `healthy: false`). Results are
 * cached for 30 s so a busy load balancer cannot turn health checks into load on the dependencies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { PubSub } from '@google-cloud/pubsub';
import { alertPathHealth, type AlertPathStatus } from '../activities/alert-channels';
import { errorSummary } from '../activities/google-error-codes';
import { subscriptionCount } from '../activities/trigger-publisher';

export interface DependencyHealth {
  healthy: boolean;
  latency_ms: number;
  error: string | null;
}

export interface HealthBody {
  status: 'healthy' | 'degraded';
  service: string;
  version: string;
  uptime_seconds: number;
  timestamp: string;
  dependencies: Record<string, DependencyHealth>;
  cached: boolean;
  cache_age_seconds: number;
  /** The pipeline definition the process loaded: drift detection compares it with the committed file. */
  pipeline?: { name: string; definition_sha256: string };
}

export interface HealthReport {
  httpStatus: 200 | 503;
  body: HealthBody;
}

/** Resolves when the dependency answers; may instead report an unhealthy state it knows of. */
export type HealthProbe = () => Promise<void | { healthy: boolean; error: string | null }>;

export interface HealthCheckerOptions {
  service: string;
  /** The git commit the process runs. */
  version: string;
  probes: Record<string, HealthProbe>;
  pipeline?: HealthBody['pipeline'];
  cacheTtlMs?: number;
  probeTimeoutMs?: number;
  now?: () => number;
}

export interface HealthChecker {
  check(): Promise<HealthReport>;
}

export function createHealthChecker(options: HealthCheckerOptions): HealthChecker {
  const now = options.now ?? Date.now;
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
  const startedAt = now();
  let cache: { at: number; dependencies: Record<string, DependencyHealth> } | undefined;
  // Concurrent requests share one round of probes.
  let inFlight: Promise<{ at: number; dependencies: Record<string, DependencyHealth> }> | undefined;

  async function probeAll(): Promise<{ at: number; dependencies: Record<string, DependencyHealth> }> {
    const entries = await Promise.all(
      Object.entries(options.probes).map(async ([name, probe]) => [name, await runProbe(probe, probeTimeoutMs, now)] as const),
    );
    return { at: now(), dependencies: Object.fromEntries(entries) };
  }

  return {
    async check(): Promise<HealthReport> {
      let cached = true;
      if (!cache || now() - cache.at >= cacheTtlMs) {
        cached = false;
        inFlight ??= probeAll().finally(() => (inFlight = undefined));
        cache = await inFlight;
      }
      const healthy = Object.values(cache.dependencies).every((d) => d.healthy);
      const at = now();
      return {
        httpStatus: healthy ? 200 : 503,
        body: {
          status: healthy ? 'healthy' : 'degraded',
          service: options.service,
          version: options.version,
          uptime_seconds: Math.round((at - startedAt) / 1000),
          timestamp: new Date(at).toISOString(),
          dependencies: cache.dependencies,
          cached,
          cache_age_seconds: Math.round((at - cache.at) / 1000),
          ...(options.pipeline ? { pipeline: options.pipeline } : {}),
        },
      };
    },
  };
}

async function runProbe(probe: HealthProbe, timeoutMs: number, now: () => number): Promise<DependencyHealth> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const result = await Promise.race([probe(), timeout]);
    const latency = now() - started;
    if (result && !result.healthy) return { healthy: false, latency_ms: latency, error: result.error };
    return { healthy: true, latency_ms: latency, error: null };
  } catch (err) {
    return { healthy: false, latency_ms: now() - started, error: errorSummary(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Anything with Temporal's workflow service: a client `Connection` or the worker's `NativeConnection`. */
export interface TemporalServiceLike {
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
}

export function temporalProbe(connection: TemporalServiceLike): HealthProbe {
  return async () => {
    await connection.workflowService.getSystemInfo({});
  };
}

/** One document read (a missing document is a fine answer): proves reachability and read permission. */
export function firestoreProbe(firestore: Firestore, documentPath = '_health/probe'): HealthProbe {
  return async () => {
    await firestore.doc(documentPath).get();
  };
}

export function bigQueryProbe(bigquery: BigQuery, datasetId: string): HealthProbe {
  return async () => {
    await bigquery.dataset(datasetId).getMetadata();
  };
}

/** With a topic: that topic's metadata (the one the service needs); without: one page of the topic list. */
export function pubsubProbe(pubsub: PubSub, topic?: string): HealthProbe {
  return async () => {
    if (topic) await pubsub.topic(topic).getMetadata();
    else await pubsub.getTopics({ pageSize: 1, autoPaginate: false });
  };
}

/**
 * Every trigger topic must have a subscription: Pub/Sub accepts a publish to a topic without one and drops it,
 * so the next phase would silently never start. Unhealthy, naming each such topic.
 */
export function triggerTopicsProbe(pubsub: PubSub, topics: string[]): HealthProbe {
  return async () => {
    // Bounded: the worker runs this at start too, and a Pub/Sub outage must not hold the start up.
    const counts = await Promise.all(topics.map(async (name) => [name, await subscriptionCount(pubsub.topic(name), { timeout: 5_000, maxRetries: 1 })] as const));
    const unsubscribed = counts.filter(([, count]) => count === 0).map(([name]) => name);
    return unsubscribed.length
      ? { healthy: false, error: `no subscription on trigger topic(s) ${unsubscribed.join(', ')}: triggers published there are dropped` }
      : { healthy: true, error: null };
  };
}

export function alertPathProbe(status: AlertPathStatus): HealthProbe {
  return () => Promise.resolve(alertPathHealth(status));
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /health` (and any extra routes, e.g. `/metrics`); loopback unless told otherwise. */
export async function serveHealth(
  port: number,
  checker: HealthChecker,
  extraRoutes: Record<string, RouteHandler> = {},
  host = '127.0.0.1',
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handle = async (): Promise<void> => {
      if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        const report = await checker.check();
        res.writeHead(report.httpStatus, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report.body));
        return;
      }
      const route = extraRoutes[path];
      if (route) return route(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`health endpoint error: ${errorSummary(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
