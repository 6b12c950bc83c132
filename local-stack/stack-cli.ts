/** `npm run stack -- up|down|status`: a background developer stack, controlled through `.data/stack.json`. */
import { Command } from 'commander';
import { formatEndpoints } from './endpoint-report';
import { endpointsToEnv } from './stack-endpoints';
import { devStackOptions, readPidFile, stackProcessStatus, startStack, stopRecordedStack } from './stack';

const program = new Command('stack').description('Local Temporal dev server and Google emulators on 127.0.0.1');

program
  .command('up')
  .description('start the stack in the background and return once every service answers')
  .action(async () => {
    const options = { ...devStackOptions(), keepAlive: false, killOnExit: false, log: (m: string) => console.log(`[stack] ${m}`) };
    const stack = await startStack(options);
    console.log(`Stack is up:\n${formatEndpoints(stack.endpoints)}\nStop it with \`npm run stack -- down\`.`);
  });

program
  .command('down')
  .description('stop every process the recorded stack started')
  .action(async () => {
    const stopped = await stopRecordedStack();
    console.log(stopped.length > 0 ? `Stopped ${stopped.join(', ')}.` : 'No stack is running.');
  });

program
  .command('status')
  .description('show the recorded stack, its processes and endpoints')
  .option('--env', 'print the endpoints as shell exports')
  .action((flags: { env?: boolean }) => {
    const recorded = readPidFile();
    if (!recorded) {
      console.log('No stack is running.');
      process.exitCode = 1;
      return;
    }
    if (flags.env) {
      for (const [key, value] of Object.entries(endpointsToEnv(recorded.endpoints))) console.log(`export ${key}=${value}`);
      return;
    }
    const processes = stackProcessStatus();
    if (!processes.some((p) => p.running)) {
      console.log('No stack is running (a stale record is left in .data/stack.json; `up` replaces it).');
      process.exitCode = 1;
      return;
    }
    for (const p of processes) console.log(`  ${p.name.padEnd(10)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'STOPPED'}  log ${p.logFile}`);
    console.log(formatEndpoints(recorded.endpoints));
    if (processes.some((p) => !p.running)) process.exitCode = 1;
  });

program.parseAsync().then(
  // Client libraries may hold sockets open; the services themselves are detached.
  () => process.exit(),
  (error: unknown) => {
    console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
