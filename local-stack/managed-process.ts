import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A service process started in its own process group, so stopping it also stops the JVMs it forks. */
export interface ManagedProcess {
  name: string;
  /** Process id and process-group id (the child leads its own group). */
  pid: number;
  /** Start time from /proc, to verify that a pid read back from a pid file is still ours. */
  startTime: string | undefined;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the group leader exits. */
  exited: Promise<number | string>;
  hasExited(): boolean;
}

export interface SpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep the Node event loop alive while the process runs (foreground mode). */
  keepAlive: boolean;
}

export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions): ManagedProcess {
  const log = openSync(options.logFile, 'w');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      done = true;
      resolve(error.message);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  if (!options.keepAlive) child.unref();
  return { name, pid: child.pid, startTime: processStartTime(child.pid), logFile: options.logFile, exited, hasExited: () => done };
}

export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM the whole group, then SIGKILL whatever is still there after the grace period. */
export async function stopProcessGroup(pgid: number, graceMs = 10_000): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessGroupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (!isProcessGroupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isProcessGroupAlive(pgid) && Date.now() < killDeadline) await sleep(50);
}

/** Last resort from a synchronous `exit` handler: no waiting possible, so kill outright. */
export function killProcessGroupNow(pgid: number): void {
  signalGroup(pgid, 'SIGKILL');
}

/**
 * The kernel's start time of `pid` (clock ticks since boot), recorded in the pid file so a later
 * `down` never signals a process that merely reuses an old pid. Undefined where /proc is absent.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
