import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logTail, type ManagedProcess } from './managed-process';
import { PortConflictError } from './ports';

/** A real request against the service; resolves true once it answers as expected. */
export type ReadinessCheck = () => Promise<boolean>;

/** Polls `check` until it passes; fails early (with the log tail) if the process dies. */
export async function waitUntilReady(proc: ManagedProcess, check: ReadinessCheck, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    // Java emulators log a bind failure and keep running; Temporal exits ("address already in use").
    const bindFailed = logContains(proc.logFile, 'Address already in use') || logContains(proc.logFile, 'address already in use');
    if (proc.hasExited() && !bindFailed) {
      throw new Error(`${proc.name} exited with ${String(await proc.exited)} before it was ready. Log ${proc.logFile}:\n${logTail(proc.logFile)}`);
    }
    if (bindFailed) {
      throw new PortConflictError(`${proc.name} could not bind its port (taken by another process). Log ${proc.logFile}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(150);
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}. Log ${proc.logFile}:\n${logTail(proc.logFile)}`);
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok;
}

/** The Java emulators keep running even when their port was taken, so also require their own start line. */
export function logContains(logFile: string, marker: string): boolean {
  try {
    return readFileSync(logFile, 'utf8').includes(marker);
  } catch {
    return false;
  }
}
