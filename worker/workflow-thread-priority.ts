/**
 * The backlog's workflow thread runs at a lower CPU priority than everything else in the worker. Temporal's task
 * priority orders tasks while they wait in the server; once taken, a backfill's replays (every backlog task misses
 * its small cache) compete for the machine's cores with the live dates' workflow thread, the activities and the server.
 * A niced thread still gets all the CPU nobody else wants, so the backfill drains as before on an idle machine.
 *
 * The main thread cannot reach into a workflow thread, so it leaves the value in the environment data that Node
 * copies into each thread at its creation (set around the backlog worker's creation only), and the worker's preload
 * (worker/workflow-stack-traces.ts) applies it inside the thread. Linux only: there a priority is per thread, while
 * elsewhere setpriority would lower the whole process.
 */
import { setPriority } from 'node:os';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';

const NICE_KEY = 'phase-orchestrator/workflow-thread-nice';

/** Whether a thread can have a priority of its own here: Linux only (elsewhere setpriority lowers the whole process). */
export const threadPrioritySupported = process.platform === 'linux';

/** Runs `create` (a Worker.create) so that the workflow threads it starts take the given nice value (0: unchanged). */
export async function withWorkflowThreadNice<T>(nice: number, create: () => Promise<T>): Promise<T> {
  if (nice === 0 || !threadPrioritySupported) return create();
  setEnvironmentData(NICE_KEY, nice);
  try {
    return await create();
  } finally {
    setEnvironmentData(NICE_KEY, undefined);
  }
}

/** In a workflow thread: lowers its own priority if its creator asked for it; returns the nice value applied. */
export function applyWorkflowThreadNice(): number {
  const nice = getEnvironmentData(NICE_KEY); // set only where threadPrioritySupported
  if (isMainThread || typeof nice !== 'number') return 0;
  try {
    setPriority(0, nice); // pid 0 on Linux: the calling thread only
    return nice;
  } catch {
    return 0; // a sandbox that refuses setpriority: the thread runs at the normal priority rather than not at all
  }
}
