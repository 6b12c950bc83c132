/**
 * Waits until the product's task queues hold no backlog (Temporal's approximate counts), so the paced run
 * measures a stack that is not still writing the backlog run's records: at 1,000 dates those writes outlast
 * the triggers by minutes, and a paced signal queued behind them measured the backlog, not the product.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType } = temporal.api.enums.v1;

async function backlog(client: Client, taskQueue: string): Promise<number> {
  const counts = await Promise.all(
    [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
      const response = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType, reportStats: true });
      return Number(response.stats?.approximateBacklogCount ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Seconds waited until every queue's backlog was 0 on two reads in a row, or null if `timeoutMs` ran out. */
export async function waitForIdleQueues(client: Client, taskQueues: string[], timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  let idleReads = 0;
  while (Date.now() - started < timeoutMs) {
    const total = (await Promise.all(taskQueues.map((queue) => backlog(client, queue)))).reduce((a, b) => a + b, 0);
    idleReads = total === 0 ? idleReads + 1 : 0;
    if (idleReads >= 2) return (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return null;
}
