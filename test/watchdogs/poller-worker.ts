/** A bare worker process for the worker-poller test: it polls a task queue, the backlog's and their trigger queues until it is killed. */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workerTaskQueues } from '../../workflows/game-date/messages';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [address, namespace, taskQueue] = process.argv.slice(2) as [string, string, string];
  const connection = await NativeConnection.connect({ address });
  const queues = workerTaskQueues(taskQueue);
  const workflowWorker = (queue: string) => Worker.create({ connection, namespace, taskQueue: queue, workflowsPath: require.resolve('./failing-workflows'), activities: { noop: async () => undefined } });
  const activityWorker = (queue: string) => Worker.create({ connection, namespace, taskQueue: queue, activities: { noop: async () => undefined } });
  const workers = await Promise.all([workflowWorker(queues.dates), activityWorker(queues.triggers), workflowWorker(queues.backlogDates), activityWorker(queues.backlogTriggers)]);
  process.stdout.write('polling\n');
  await Promise.all(workers.map((w) => w.run()));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
