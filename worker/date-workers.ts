/**
 * The workers of the date workflows: one pair (workflow worker, trigger worker) for live dates on the task queue
 * and one for a backfill's dates on its backlog queue (workerTaskQueues). Each workflow worker has a workflow
 * thread, a cache and slots of its own, so a live date's task never waits inside a worker behind a backlog's.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { workerTaskQueues } from '../workflows/game-date/messages';
import { createTriggerWorker, type TriggerWorkerOptions } from './trigger-worker';
import { withWorkflowThreadNice } from './workflow-thread-priority';

export interface DateWorkersOptions {
  connection: NativeConnection;
  namespace?: string;
  /** The configured task queue; the other three are derived from it. */
  taskQueue: string;
  /** Options of both workflow workers (bundle, activities, slots, interceptors, identity, …). */
  dates: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue'>;
  /** What differs for the live dates' workflow worker and the backlog's. */
  live?: OwnOptions;
  backlog?: OwnOptions;
  /** Options of both trigger workers. */
  triggers: Omit<TriggerWorkerOptions, 'connection' | 'namespace' | 'taskQueue'>;
}

type OwnOptions = Pick<WorkerOptions, 'maxCachedWorkflows'> & { /** nice value of its workflow thread (worker/workflow-thread-priority.ts) */ threadNice?: number };

/** Live dates' workflow worker, their trigger worker, the backlog's workflow worker, its trigger worker. */
export async function createDateWorkers(options: DateWorkersOptions): Promise<Worker[]> {
  const { connection, namespace, taskQueue } = options;
  const queues = workerTaskQueues(taskQueue);
  const shared = { connection, ...(namespace === undefined ? {} : { namespace }) };
  const dateWorker = (queue: string, { threadNice = 0, ...own }: OwnOptions = {}) =>
    withWorkflowThreadNice(threadNice, () => Worker.create({ ...options.dates, ...own, ...shared, taskQueue: queue }));
  return [
    await dateWorker(queues.dates, options.live),
    await createTriggerWorker({ ...options.triggers, ...shared, taskQueue: queues.dates }),
    await dateWorker(queues.backlogDates, options.backlog),
    await createTriggerWorker({ ...options.triggers, ...shared, taskQueue: queues.backlogDates }),
  ];
}

/** Runs every worker until `until` settles, as `Worker.runUntil` does for one; a worker that fails stops the others. */
export function runDateWorkersUntil<T>(workers: Worker[], until: Promise<T> | (() => Promise<T>)): Promise<T> {
  const innermost = typeof until === 'function' ? until : () => until;
  return workers.reduce<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner), innermost)();
}
