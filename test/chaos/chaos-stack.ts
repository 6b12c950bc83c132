/**
 * The chaos run's own local stack, with the levers its faults pull: SIGKILL and restart of the Temporal dev
 * server on its SQLite file, and stop/continue (SIGSTOP/SIGCONT) of each emulator. The Pub/Sub and Firestore
 * emulators keep everything in memory, so a restart would erase the topics and documents a real outage never
 * erases; a stopped process looks exactly like an outage to its clients (connections hang, then time out) and
 * keeps its state, so emulators are stopped, not killed.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessGroupAlive, killProcessGroupNow, spawnManaged } from '../../local-stack/managed-process';
import { waitUntilReady } from '../../local-stack/readiness';
import { stackServices } from '../../local-stack/services';
import { startStack, testStackOptions, type RunningStack, type StackOptions } from '../../local-stack/stack';
import { loadToolPaths } from '../../local-stack/tools';

export type EmulatorName = 'pubsub' | 'firestore' | 'bigquery';

export interface ChaosStack {
  stack: RunningStack;
  pause(name: EmulatorName): void;
  resume(name: EmulatorName): void;
  killTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosStack(log: (line: string) => void): Promise<ChaosStack> {
  const options: StackOptions = { ...(await testStackOptions()), log };
  const stack = await startStack(options);
  const tools = loadToolPaths();
  const processOf = (name: string) => {
    const proc = stack.processes.find((p) => p.name === name);
    if (!proc) throw new Error(`the chaos stack has no ${name} process`);
    return proc;
  };
  const signal = (name: string, sig: NodeJS.Signals) => process.kill(-processOf(name).pid, sig);
  const paused = new Set<EmulatorName>();

  return {
    stack,
    pause: (name) => {
      signal(name, 'SIGSTOP');
      paused.add(name);
    },
    resume: (name) => {
      signal(name, 'SIGCONT');
      paused.delete(name);
    },
    killTemporal: async () => {
      const { pid } = processOf('temporal');
      killProcessGroupNow(pid);
      while (isProcessGroupAlive(pid)) await sleep(50);
    },
    startTemporal: async () => {
      const spec = stackServices({ tools, ports: options.ports, dataDir: options.dataDir, logDir: path.join(options.dataDir, 'logs'), projectId: options.projectId, namespace: options.namespace }).find((s) => s.name === 'temporal')!;
      const proc = spawnManaged(spec.name, spec.command, spec.args, { logFile: `${spec.logFile}.restarted`, env: spec.env, keepAlive: false });
      // The stack stops (and on exit kills) what is in its list: the new server takes the old one's place.
      stack.processes.splice(stack.processes.indexOf(processOf('temporal')), 1, proc);
      await waitUntilReady(proc, spec.ready, spec.readyTimeoutMs);
    },
    stop: async () => {
      for (const name of paused) signal(name, 'SIGCONT');
      await stack.stop();
    },
  };
}
