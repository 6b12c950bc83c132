/**
 * `npm start`: the local stack in the foreground. Ctrl-C (SIGINT) or SIGTERM stops every process.
 * Processes that need the stack (worker, bridge) are added to `companions` and stopped first.
 */
import { formatEndpoints } from './endpoint-report';
import { devStackOptions, startStack, type RunningStack } from './stack';
import type { StackEndpoints } from './stack-endpoints';

/** Something started after the stack, given its endpoints; stopped before the stack on shutdown. */
export interface Companion {
  name: string;
  start(endpoints: StackEndpoints): Promise<{ stop(): Promise<void> }>;
}

const companions: Companion[] = [];

async function main(): Promise<void> {
  const log = (message: string): void => console.log(`[start] ${message}`);
  // Filled in once started; a signal during startup is handled by the stack's exit hook.
  const state: { stack?: RunningStack } = {};
  const running: { name: string; stop(): Promise<void> }[] = [];
  let shuttingDown = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal}: stopping`);
    for (const companion of running.reverse()) await companion.stop();
    await state.stack?.stop();
    log('stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, (s) => void shutdown(s));

  const stack = await startStack({ ...devStackOptions(), log });
  state.stack = stack;
  for (const companion of companions) {
    running.push({ name: companion.name, ...(await companion.start(stack.endpoints)) });
    log(`${companion.name} started`);
  }
  console.log(`\nLocal stack is up:\n${formatEndpoints(stack.endpoints)}\n\nWeb UI: ${stack.endpoints.temporalUiUrl}\nPress Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
