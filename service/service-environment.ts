/**
 * Configuration every long-running service (worker, bridge) reads from its environment at start, validated
 * with zod so a bad or missing variable stops the process with one line naming it. Also the build id, read
 * the same way for both services. The Google clients are in google-clients.ts: only the worker loads them all.
 */
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { DEFAULT_BIGQUERY_DATASET } from '../activities/bigquery-schema';
import { LOG_LEVELS } from './logger';
import { parseEnvironment } from './environment-schema';
import { configStep } from './startup';

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

/** `parseEnvironment` for a service: the error reads `<service> cannot start: …`. */
export function parseServiceEnv<Shape extends z.ZodRawShape>(service: string, shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  return configStep(service, () => parseEnvironment(shape, env));
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

/**
 * The young generation's cap: 1 MB semi-spaces instead of 16 MB lower peak memory without costing measurable CPU
 * (at 1,000 dates both processes peaked a few MB lower than with 2 MB). V8 reads it when a heap is created, so
 * `limitHeapGrowth` reaches only the workflow threads with it; the main thread gets it on the command line
 * (`SERVICE_NODE_FLAGS` in local-stack/service-process.ts, the Dockerfile's NODE_OPTIONS).
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=1';

/**
 * Each V8 heap of the process (main thread, workflow threads) may grow by a quarter of what survived the last
 * full collection, instead of up to 4×: under a backlog, garbage rather than live data set the peak RSS (at
 * 1,000 dates the worker peaked 38 MB lower than with a half, at no measurable CPU; 15% gained nothing more).
 * No ceiling, so a larger live set means more collections, never an out-of-memory crash. The flag is
 * process-wide and read at every collection.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=25');
  setFlagsFromString(SEMI_SPACE_FLAG);
}

