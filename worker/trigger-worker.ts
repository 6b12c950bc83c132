/**
 * The activity-only worker of trigger activities (Pub/Sub publish, HTTP call) on their own task queue: a
 * backlog of record writes on the workflow's queue never delays a trigger. The workflow's own worker keeps
 * these activities too, for runs recorded before triggers had their own queue.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { TransitionActivities } from '../activities/activity-contracts';
import { triggerTaskQueue } from '../workflows/game-date/messages';

export interface TriggerWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  /** The workflow's task queue; the trigger queue is derived from it. */
  taskQueue: string;
  activities: Pick<TransitionActivities, 'publishTrigger' | 'callHttpTrigger'>;
  /** The activity interceptors of tracing (service/tracing.ts), when on. */
  interceptors?: WorkerOptions['interceptors'];
  workerDeploymentOptions?: WorkerOptions['workerDeploymentOptions'];
  identity?: string;
}

export function createTriggerWorker(options: TriggerWorkerOptions): Promise<Worker> {
  const { activities, taskQueue, ...rest } = options;
  // Only the options given: the native worker refuses an explicit `undefined` identity.
  const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as Omit<TriggerWorkerOptions, 'activities' | 'taskQueue'>;
  return Worker.create({
    ...given,
    taskQueue: triggerTaskQueue(taskQueue),
    activities: { publishTrigger: activities.publishTrigger, callHttpTrigger: activities.callHttpTrigger },
  });
}
