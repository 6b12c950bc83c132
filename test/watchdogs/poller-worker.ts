/** A bare worker process for the worker-poller test: it polls a task queue and its trigger queue until it is killed. */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { triggerTaskQueue } from '../../workflows/game-date/messages';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [address, namespace, taskQueue] = process.argv.slice(2) as [string, string, string];
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('./failing-workflows'),
    activities: { noop: async () => undefined },
  });
  const triggers = await Worker.create({ connection, namespace, taskQueue: triggerTaskQueue(taskQueue), activities: { noop: async () => undefined } });
  process.stdout.write('polling\n');
  await Promise.all([worker.run(), triggers.run()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
