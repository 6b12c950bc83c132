import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import { DEFAULT_BIGQUERY_DATASET, ensureBigQuerySchema } from '../activities/bigquery-schema';
import {
  isProcessGroupAlive,
  killProcessGroupNow,
  processStartTime,
  spawnManaged,
  stopProcessGroup,
  type ManagedProcess,
} from './managed-process';
import { pipelineTopics } from '../contract/pipeline-topics';
import { LOOPBACK, assertPortsFree, freePorts, portsFromEnv, type StackPorts } from './ports';
import { ensurePubSubResources } from './pubsub-resources';
import { ensureSeededSchedule } from './schedule-seed';
import { waitUntilReady } from './readiness';
import { stackServices, type ServiceSpec } from './services';
import type { StackEndpoints } from './stack-endpoints';
import { DATA_DIR, loadToolPaths, type ToolPaths } from './tools';

export const DEFAULT_PROJECT_ID = 'nba-local';
export const DEFAULT_NAMESPACE = 'default';

export interface StackOptions {
  ports: StackPorts;
  /** Temporal's SQLite file, logs and (when set) the pid file live here. */
  dataDir: string;
  projectId: string;
  namespace: string;
  bigqueryDataset: string;
  /** Written once the stack is up, so `npm run stack -- down` works from another shell. */
  pidFile?: string;
  /** Remove dataDir on stop (test stacks). */
  removeDataDirOnStop: boolean;
  /** Foreground mode keeps Node alive while the services run. */
  keepAlive: boolean;
  /** Kill the services when this Node process exits (false for `up`, which leaves them running). */
  killOnExit: boolean;
  tools?: ToolPaths;
  log?: (message: string) => void;
}

export interface RunningStack {
  endpoints: StackEndpoints;
  processes: ManagedProcess[];
  /** Stops every process group it started and waits until they are gone. */
  stop(): Promise<void>;
}

interface PidFileContent {
  endpoints: StackEndpoints;
  dataDir: string;
  processes: { name: string; pid: number; startTime?: string; logFile: string }[];
}

export const DEV_PID_FILE = path.join(DATA_DIR, 'stack.json');

/** The developer stack: default ports (or env overrides) and persistent state in `.data/`. */
export function devStackOptions(env: NodeJS.ProcessEnv = process.env): StackOptions {
  return {
    ports: portsFromEnv(env),
    dataDir: DATA_DIR,
    projectId: env.GOOGLE_CLOUD_PROJECT || DEFAULT_PROJECT_ID,
    namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE,
    bigqueryDataset: env.BIGQUERY_DATASET || DEFAULT_BIGQUERY_DATASET,
    pidFile: DEV_PID_FILE,
    removeDataDirOnStop: false,
    keepAlive: true,
    killOnExit: true,
  };
}

/** A throwaway stack on free ports with its own temp dir, so tests run beside a developer's stack. */
export async function testStackOptions(): Promise<StackOptions> {
  return {
    ports: await freePorts(),
    dataDir: mkdtempSync(path.join(tmpdir(), 'phase-orchestrator-test-')),
    projectId: DEFAULT_PROJECT_ID,
    namespace: DEFAULT_NAMESPACE,
    bigqueryDataset: DEFAULT_BIGQUERY_DATASET,
    removeDataDirOnStop: true,
    keepAlive: false,
    killOnExit: true,
  };
}

export function stackEndpoints(options: StackOptions): StackEndpoints {
  const { ports } = options;
  return {
    projectId: options.projectId,
    temporalAddress: `${LOOPBACK}:${ports.temporal}`,
    temporalNamespace: options.namespace,
    temporalUiUrl: `http://${LOOPBACK}:${ports.temporalUi}`,
    pubsubEmulatorHost: `${LOOPBACK}:${ports.pubsub}`,
    firestoreEmulatorHost: `${LOOPBACK}:${ports.firestore}`,
    bigqueryApiEndpoint: `http://${LOOPBACK}:${ports.bigquery}`,
    bigqueryDataset: options.bigqueryDataset,
  };
}

async function createResources(endpoints: StackEndpoints): Promise<void> {
  // Explicit endpoints and project: never fall back to real Google Cloud or the metadata server.
  process.env.METADATA_SERVER_DETECTION = 'none';
  const pubsub = new PubSub({ projectId: endpoints.projectId, apiEndpoint: endpoints.pubsubEmulatorHost, emulatorMode: true });
  const bigquery = new BigQuery({ projectId: endpoints.projectId, apiEndpoint: endpoints.bigqueryApiEndpoint });
  try {
    await Promise.all([
      ensurePubSubResources(pubsub, pipelineTopics()),
      ensureBigQuerySchema(bigquery, endpoints.bigqueryDataset),
      ensureSeededSchedule(bigquery),
    ]);
  } finally {
    await pubsub.close();
  }
}

/** Starts the four services in parallel, waits for each to really answer, then creates topics and tables. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => undefined);
  const tools = options.tools ?? loadToolPaths();
  if (options.pidFile && existsSync(options.pidFile)) {
    if (stackProcessStatus(options.pidFile).some((p) => p.running)) {
      throw new Error(`A stack is already running (${path.relative(process.cwd(), options.pidFile)}). Run \`npm run stack -- down\` first.`);
    }
    // Left behind by a stack that died without stopping (reboot, kill -9): nothing of it runs any more.
    rmSync(options.pidFile, { force: true });
  }
  await assertPortsFree(options.ports);
  const logDir = path.join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const endpoints = stackEndpoints(options);
  const specs = stackServices({ tools, ports: options.ports, dataDir: options.dataDir, logDir, projectId: options.projectId, namespace: options.namespace });

  const processes: ManagedProcess[] = [];
  let stopped: Promise<void> | undefined;
  // A crashing test run must not leave JVMs behind: kill synchronously on exit as a last resort.
  const onExit = (): void => processes.forEach((p) => killProcessGroupNow(p.pid));
  if (options.killOnExit) process.once('exit', onExit);
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(processes.map((p) => stopProcessGroup(p.pid)));
      process.removeListener('exit', onExit);
      if (options.pidFile) rmSync(options.pidFile, { force: true });
      if (options.removeDataDirOnStop) rmSync(options.dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const started = Date.now();
    const launched: { spec: ServiceSpec; proc: ManagedProcess }[] = [];
    for (const spec of specs) {
      const proc = spawnManaged(spec.name, spec.command, spec.args, { logFile: spec.logFile, env: spec.env, keepAlive: options.keepAlive });
      processes.push(proc);
      launched.push({ spec, proc });
    }
    // Recorded before waiting, so `down` from another shell also cleans up a start that hangs.
    if (options.pidFile) writePidFile(options.pidFile, { endpoints, dataDir: options.dataDir, processes });
    await Promise.all(
      launched.map(async ({ spec, proc }) => {
        await waitUntilReady(proc, spec.ready, spec.readyTimeoutMs);
        log(`${spec.name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }),
    );
    await createResources(endpoints);
    log('topics, subscriptions, datasets, tables and the seeded schedule created');
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoints, processes, stop };
}

function writePidFile(file: string, content: { endpoints: StackEndpoints; dataDir: string; processes: ManagedProcess[] }): void {
  const data: PidFileContent = {
    endpoints: content.endpoints,
    dataDir: content.dataDir,
    processes: content.processes.map(({ name, pid, startTime, logFile }) => ({ name, pid, startTime, logFile })),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

export function readPidFile(file = DEV_PID_FILE): PidFileContent | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as PidFileContent;
}

/** Whether the process recorded in a pid file is still the one we started (pid not reused). */
function stillOurs(entry: PidFileContent['processes'][number]): boolean {
  if (!isProcessGroupAlive(entry.pid)) return false;
  // The group leader may be gone while its children live on; then there is no start time to compare.
  const now = processStartTime(entry.pid);
  return entry.startTime === undefined || now === undefined || now === entry.startTime;
}

export interface ProcessStatus {
  name: string;
  pid: number;
  running: boolean;
  logFile: string;
}

export function stackProcessStatus(file = DEV_PID_FILE): ProcessStatus[] {
  const content = readPidFile(file);
  return (content?.processes ?? []).map((entry) => ({ name: entry.name, pid: entry.pid, running: stillOurs(entry), logFile: entry.logFile }));
}

/** Stops a stack started by another process (the `down` command). Returns the names it stopped. */
export async function stopRecordedStack(file = DEV_PID_FILE): Promise<string[]> {
  const content = readPidFile(file);
  if (!content) return [];
  const ours = content.processes.filter(stillOurs);
  await Promise.all(ours.map((entry) => stopProcessGroup(entry.pid)));
  rmSync(file, { force: true });
  return ours.map((entry) => entry.name);
}
