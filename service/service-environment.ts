/**
 * Configuration every long-running service (worker, bridge) reads from its environment at start, validated
 * with zod so a bad or missing variable stops the process with one line naming it. Also the Google clients
 * and the build id, built the same way for both services.
 */
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { z } from 'zod';
import { DEFAULT_BIGQUERY_DATASET } from '../activities/bigquery-schema';
import { LOG_LEVELS } from './logger';
import { ServiceConfigError } from './startup';

export const DEFAULT_TASK_QUEUE = 'phase-orchestrator';

const port = z.coerce.number().int().min(0).max(65535);

/** Where Temporal is and which task queue the date workflows run on. */
export const temporalEnvShape = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE).describe('task queue of the game-date workflows'),
};

/** The Google project; emulator hosts are read by the client libraries themselves. */
export const googleEnvShape = {
  GOOGLE_CLOUD_PROJECT: z.string().min(1).describe('Google Cloud project id (nba-local locally)'),
  BIGQUERY_API_ENDPOINT: z.url().optional().describe('BigQuery REST endpoint (the emulator locally)'),
  BIGQUERY_DATASET: z.string().regex(/^\w+$/).default(DEFAULT_BIGQUERY_DATASET).describe('orchestration dataset'),
};

/** Where /health and /metrics listen: loopback by default; only docker-compose widens it, for its containers. */
export const bindHostShape = {
  SERVICE_BIND_HOST: z.string().min(1).default('127.0.0.1').describe('interface of the /health and /metrics server'),
};

/** How much each service logs. */
export const logLevelShape = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default('INFO').describe('how much the Temporal SDK, activities and workflows log; start and stop lines are always logged'),
};

export function portVar(defaultPort: number, what: string): z.ZodDefault<typeof port> {
  return port.default(defaultPort).describe(what);
}

/** Validates the environment against a shape; empty strings count as unset. Throws one readable error. */
export function parseServiceEnv<Shape extends z.ZodRawShape>(
  service: string,
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  const present = Object.fromEntries(Object.keys(shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])));
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const meaning = (shape[name] as z.ZodType | undefined)?.description;
    return present[name] === undefined
      ? `environment variable ${name} is missing${meaning ? ` (${meaning})` : ''}`
      : `environment variable ${name} is invalid: ${issue.message}${meaning ? ` (${meaning})` : ''}`;
  });
  throw new ServiceConfigError(`${service} cannot start: ${problems.join('; ')}`);
}

/** The git commit this process runs: `BUILD_ID` (set in images), else `git rev-parse HEAD`, else "unknown". */
export function resolveBuildId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUILD_ID?.trim()) return env.BUILD_ID.trim();
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export interface GoogleClients {
  pubsub: PubSub;
  firestore: Firestore;
  bigquery: BigQuery;
}

export function createGoogleClients(config: { GOOGLE_CLOUD_PROJECT: string; BIGQUERY_API_ENDPOINT?: string }): GoogleClients {
  const projectId = config.GOOGLE_CLOUD_PROJECT;
  return {
    pubsub: new PubSub({ projectId }),
    firestore: new Firestore({ projectId }),
    bigquery: new BigQuery({ projectId, ...(config.BIGQUERY_API_ENDPOINT ? { apiEndpoint: config.BIGQUERY_API_ENDPOINT } : {}) }),
  };
}

/**
 * Each V8 heap of the process (main thread, workflow thread) may grow by half of what survived the last full
 * collection, instead of up to 4×: under a backlog that garbage, not live data, made the peak RSS (bridge at
 * 100 dates 270–300 → 205 MB, no more CPU; 20% cut more but cost CPU). No ceiling, so a larger live set means
 * more collections, never an out-of-memory crash. The flag is process-wide and read at every collection.
 *
 * The young generation is capped at 2 MB semi-spaces instead of 16 MB (50 dates: worker 412 → 335 MB, bridge
 * 201 → 167 MB peak, no more CPU). V8 reads that flag when a heap is created, so set here it reaches only
 * the workflow thread; the main thread gets it from the command line (`SERVICE_NODE_FLAGS`, NODE_OPTIONS).
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
  setFlagsFromString('--max-semi-space-size=2');
}

