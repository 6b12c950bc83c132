/**
 * One emulator of our own, on free loopback ports, that a fault test can stop and start again. The shared
 * test stack must stay up for everyone else, so outages are staged here instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnManaged, stopProcessGroup, type ManagedProcess } from '../../local-stack/managed-process';
import { freePorts, LOOPBACK } from '../../local-stack/ports';
import { waitUntilReady } from '../../local-stack/readiness';
import { stackServices, type ServiceSpec } from '../../local-stack/services';
import { loadToolPaths } from '../../local-stack/tools';

export interface RestartableEmulator {
  /** `host:port`, for FIRESTORE_EMULATOR_HOST-style settings. */
  host: string;
  /** `http://host:port`, for BigQuery's apiEndpoint. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the process (if running) and removes its files. */
  dispose(): Promise<void>;
}

export async function startRestartableEmulator(name: 'firestore' | 'bigquery', projectId: string): Promise<RestartableEmulator> {
  const dir = mkdtempSync(path.join(tmpdir(), `activities-${name}-`));
  const ports = await freePorts();
  const spec = stackServices({ tools: loadToolPaths(), ports, dataDir: dir, logDir: dir, projectId, namespace: 'default' }).find(
    (s) => s.name === name,
  ) as ServiceSpec;
  // The BigQuery emulator keeps its tables in a file, so its data outlives a restart like a real outage.
  const args = name === 'bigquery' ? [...spec.args, `--database=${path.join(dir, 'bigquery.db')}`] : spec.args;
  const port = name === 'bigquery' ? ports.bigquery : ports.firestore;
  let proc: ManagedProcess | undefined;

  const emulator: RestartableEmulator = {
    host: `${LOOPBACK}:${port}`,
    url: `http://${LOOPBACK}:${port}`,
    async start() {
      proc = spawnManaged(`${name} (fault test)`, spec.command, args, { logFile: spec.logFile, env: spec.env, keepAlive: false });
      await waitUntilReady(proc, spec.ready, spec.readyTimeoutMs);
    },
    async stop() {
      if (proc) await stopProcessGroup(proc.pid, 5_000);
      proc = undefined;
    },
    async dispose() {
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await emulator.start();
  } catch (err) {
    await emulator.dispose();
    throw err;
  }
  return emulator;
}
