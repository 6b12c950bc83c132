/**
 * What a workflow-cache miss costs: an evicted date is replayed from its history on its next task. Replays a
 * sample of the backlog's histories with the build's workflow bundle, once with one history and once with
 * `sample` replays of them all (each repeated as needed), so the replay worker's own start-up cancels out:
 * (T(n) - T(1)) / (n - 1) per replay. With a few histories and no repeats, the start-up's jitter was larger
 * than the replays it was subtracted from, and the figure could come out negative.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { BUILD_DIR, WORKFLOW_BUNDLE_FILE } from '../release/build';
import { stackTracesPreloaded } from '../worker/workflow-stack-traces';
import { gameDateWorkflowId } from '../workflows/game-date/messages';

export interface CacheMissCost {
  histories: number;
  /** Whether the replays captured promise stacks, as a worker with that WORKFLOW_STACK_TRACES would. */
  stackTraces: 'on' | 'off';
  meanEvents: number;
  /** Wall time of one replay (one cache miss), on the bench machine. */
  msPerReplay: number;
}

/** The replay workers' lifecycle logs would drown the bench's own lines. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier size of this run.
  }
}

/**
 * On a workflow thread, as the worker replays. The SDK's replay worker otherwise runs workflows on this main thread
 * (debug mode; its typed options leave the flag out, the worker still takes it), which the preload does not reach:
 * there the promise-stack capture stayed on whatever WORKFLOW_STACK_TRACES said.
 */
async function replayAll(codePath: string, histories: { workflowId: string; history: unknown }[]): Promise<number> {
  const started = process.hrtime.bigint();
  const options: ReplayWorkerOptions & { debugMode: boolean } = { workflowBundle: { codePath }, debugMode: false };
  for await (const result of Worker.runReplayHistories(options, histories as never)) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${String(result.error)}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * `stackTraces` is the worker's WORKFLOW_STACK_TRACES: the replay threads read it when they start, and they honour
 * it only when this process was started with the worker's preload (`npm run bench` is); the result says which ran.
 */
export async function cacheMissCost(client: Client, pipeline: string, dates: string[], stackTraces: 'on' | 'off', sample = 40): Promise<CacheMissCost> {
  process.env.WORKFLOW_STACK_TRACES = stackTraces;
  const step = Math.max(1, Math.floor(dates.length / sample));
  const picked = dates.filter((_, i) => i % step === 0).slice(0, sample);
  const histories = await Promise.all(
    picked.map(async (date) => {
      const workflowId = gameDateWorkflowId(pipeline, date);
      return { workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() };
    }),
  );
  const codePath = path.join(BUILD_DIR, 'workflows', WORKFLOW_BUNDLE_FILE);
  quietRuntime();
  await replayAll(codePath, histories.slice(0, 1)); // warm: the bundle is read and compiled once per process
  const one = await replayAll(codePath, histories.slice(0, 1));
  const replays = Array.from({ length: Math.max(sample, 2) }, (_, i) => histories[i % histories.length]!);
  const all = await replayAll(codePath, replays);
  const meanEvents = histories.reduce((sum, h) => sum + ((h.history as { events?: unknown[] }).events?.length ?? 0), 0) / histories.length;
  return { histories: histories.length, stackTraces: stackTraces === 'off' && stackTracesPreloaded() ? 'off' : 'on', meanEvents, msPerReplay: (all - one) / (replays.length - 1) };
}
