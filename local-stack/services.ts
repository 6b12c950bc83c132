import path from 'node:path';
import { Connection } from '@temporalio/client';
import { LOOPBACK, type StackPorts } from './ports';
import { httpOk, logContains, type ReadinessCheck } from './readiness';
import { searchAttributeFlags } from './search-attributes';
import type { ToolPaths } from './tools';

/** Everything needed to start one service of the stack and to know when it really serves. */
export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Built once the process exists, since some checks read its log. */
  ready: ReadinessCheck;
  readyTimeoutMs: number;
}

export interface ServiceContext {
  tools: ToolPaths;
  ports: StackPorts;
  dataDir: string;
  logDir: string;
  projectId: string;
  namespace: string;
}

/**
 * The dev server's dynamic config. Without `matching.useNewMatcher` the server ignores priority keys, on which
 * live dates before a backfill's (contract/date-priority.ts) rests; without `system.enableActivityEagerExecution`
 * a live date's trigger waits on its task queue for a poller instead of going back to the worker that decided it.
 * docs/deploying.md §2 has the measurements.
 */
export const TEMPORAL_DEV_SERVER_CONFIG = [
  '--dynamic-config-value',
  'frontend.enableServerVersionCheck=false',
  '--dynamic-config-value',
  'matching.useNewMatcher=true',
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
];

function temporal(ctx: ServiceContext): ServiceSpec {
  const address = `${LOOPBACK}:${ctx.ports.temporal}`;
  return {
    name: 'temporal',
    command: ctx.tools.temporal,
    args: [
      'server', 'start-dev',
      '--ip', LOOPBACK,
      '--port', String(ctx.ports.temporal),
      '--ui-port', String(ctx.ports.temporalUi),
      '--ui-disable-news-fetch',
      '--db-filename', path.join(ctx.dataDir, 'temporal.sqlite'),
      '--namespace', ctx.namespace,
      ...searchAttributeFlags(),
      ...TEMPORAL_DEV_SERVER_CONFIG,
      '--log-level', 'warn',
    ],
    logFile: path.join(ctx.logDir, 'temporal.log'),
    readyTimeoutMs: 60_000,
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: ctx.namespace });
      } finally {
        await connection.close();
      }
      return httpOk(`http://${LOOPBACK}:${ctx.ports.temporalUi}/`);
    },
  };
}

function javaEnv(ctx: ServiceContext): NodeJS.ProcessEnv {
  // Both emulator launch scripts pick Java from JAVA_HOME / JAVA.
  const javaHome = path.dirname(path.dirname(ctx.tools.java));
  return { ...process.env, JAVA: ctx.tools.java, JAVA_HOME: process.env.JAVA_HOME ?? javaHome };
}

function pubsub(ctx: ServiceContext): ServiceSpec {
  const logFile = path.join(ctx.logDir, 'pubsub.log');
  return {
    name: 'pubsub',
    command: ctx.tools.pubsubEmulator,
    args: [`--host=${LOOPBACK}`, `--port=${ctx.ports.pubsub}`],
    env: javaEnv(ctx),
    logFile,
    readyTimeoutMs: 60_000,
    ready: async () =>
      logContains(logFile, `Server started, listening on ${ctx.ports.pubsub}`) && httpOk(`http://${LOOPBACK}:${ctx.ports.pubsub}/`),
  };
}

function firestore(ctx: ServiceContext): ServiceSpec {
  const logFile = path.join(ctx.logDir, 'firestore.log');
  return {
    name: 'firestore',
    command: ctx.tools.firestoreEmulator,
    args: ['start', `--host=${LOOPBACK}`, `--port=${ctx.ports.firestore}`, `--project_id=${ctx.projectId}`],
    env: javaEnv(ctx),
    logFile,
    readyTimeoutMs: 60_000,
    ready: async () => logContains(logFile, 'Dev App Server is now running') && httpOk(`http://${LOOPBACK}:${ctx.ports.firestore}/`),
  };
}

function bigquery(ctx: ServiceContext): ServiceSpec {
  return {
    name: 'bigquery',
    command: ctx.tools.bigqueryEmulator,
    args: [
      `--project=${ctx.projectId}`,
      `--host=${LOOPBACK}`,
      `--port=${ctx.ports.bigquery}`,
      `--grpc-port=${ctx.ports.bigqueryGrpc}`,
    ],
    logFile: path.join(ctx.logDir, 'bigquery.log'),
    readyTimeoutMs: 60_000,
    ready: () => httpOk(`http://${LOOPBACK}:${ctx.ports.bigquery}/bigquery/v2/projects/${ctx.projectId}/datasets`),
  };
}

/** The four services of the local stack, started in parallel. */
export function stackServices(ctx: ServiceContext): ServiceSpec[] {
  return [temporal(ctx), pubsub(ctx), firestore(ctx), bigquery(ctx)];
}
