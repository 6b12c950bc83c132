/**
 * Runs the worker or the bridge as a child process (one Node process each: `node --require tsx/cjs <script>`,
 * so a signal reaches the service itself, not a wrapper) with its output handed over line by line. tsx's CommonJS
 * hook only: `--import tsx` also starts an ESM loader thread and an esbuild process, about 45 MB more per service
 * (the project is CommonJS, so nothing needs them). The young generation is kept small: see `limitHeapGrowth`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SEMI_SPACE_FLAG } from '../service/service-environment';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export const SERVICE_SCRIPTS = {
  worker: 'worker/main.ts',
  bridge: 'bridge/main.ts',
} as const;

/** V8 flags the main thread only takes on the command line (the Dockerfile sets them in NODE_OPTIONS). */
export const SERVICE_NODE_FLAGS = [SEMI_SPACE_FLAG];

/**
 * A service's Node arguments before its script: the V8 flags, tsx's hook for a `.ts` script, and for the worker the
 * preload that runs in its workflow threads before the SDK (worker/workflow-stack-traces.ts; the image's worker command).
 */
export function serviceNodeArgs(script: string): string[] {
  const fromSource = script.endsWith('.ts');
  const hook = fromSource ? ['--require', 'tsx/cjs'] : [];
  const preload = script.startsWith('worker/') ? ['--require', `./worker/workflow-stack-traces${fromSource ? '.ts' : '.js'}`] : [];
  return [...SERVICE_NODE_FLAGS, ...hook, ...preload];
}

/**
 * glibc malloc opens up to 8 arenas per core for a process's threads (libuv's pool, the worker's workflow threads,
 * the Temporal core's runtime), each keeping freed memory of its own: two arenas took 35 MB off the worker's peak
 * under a 1,000-date backlog without measurable CPU cost. Fixed 128 KB thresholds: glibc otherwise raises its mmap
 * threshold to the largest block freed (up to 32 MB), so large buffers come from the arenas and what they leave is
 * kept; fixed, blocks from 128 KB are mapped and returned on free, and the arenas give back their top sooner
 * (worker + bridge 546 → 509 MB at 1,000 dates). Read by glibc at process start (the Dockerfile sets them too).
 */
export const SERVICE_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Every line written so far (stdout and stderr), for readiness checks and error messages. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Resolves when a line matches; rejects if the process exits first or the time runs out. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (crash simulation). */
  kill(): Promise<void>;
}

/** A `.ts` script runs from source through tsx's hook; a `.js` one (a build or a deployable, with `cwd`) as it is. */
export function spawnService(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void = () => undefined,
  cwd = PROJECT_ROOT,
): ServiceProcess {
  const child = spawn(process.execPath, [...serviceNodeArgs(script), script], { cwd, env: { ...SERVICE_MALLOC_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  const output: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (line) => {
      output.push(line);
      if (output.length > 5_000) output.splice(0, 1_000);
      onLine(line, stream);
      listeners.forEach((listener) => listener(line));
    });
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => finish(new Error(`${name}: no line matching ${String(pattern)} within ${timeoutMs} ms. Output:\n${output.slice(-30).join('\n')}`)), timeoutMs);
      const listener = (line: string): void => {
        if (pattern.test(line)) finish(undefined, line);
      };
      const finish = (error?: Error, line?: string): void => {
        clearTimeout(timer);
        listeners.delete(listener);
        if (error) reject(error);
        else resolve(line!);
      };
      listeners.add(listener);
      void exited.then(({ code, signal }) => finish(new Error(`${name} exited (${code ?? signal}) before printing ${String(pattern)}. Output:\n${output.slice(-30).join('\n')}`)));
    });

  const stop = async (graceMs = 35_000): Promise<void> => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (done) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { name, child, pid: child.pid, output, exited, hasExited: () => done, waitForLine, stop, kill };
}
