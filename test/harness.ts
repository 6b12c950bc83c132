/**
 * Shared test infrastructure: the quiet SDK runtime, lazily created Temporal test environments and, for
 * stack-backed test files (`*.integration.test.ts`), one local stack per mocha run (free ports, temp dir).
 * Root hooks (test/root-hooks.ts) start and stop it; unit test files never get a stack, so a unit file that
 * asks for one fails at once instead of passing only when it happens to run beside integration files.
 */
import { constants } from 'node:os';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { PortConflictError } from '../local-stack/ports';
import { startStack, testStackOptions, type RunningStack } from '../local-stack/stack';
import { endpointsToEnv, type StackEndpoints } from '../local-stack/stack-endpoints';
import { loadToolPaths } from '../local-stack/tools';

/** How a test file says it needs the local stack. */
export const STACK_TEST_FILE_SUFFIX = '.integration.test.ts';

let stack: RunningStack | undefined;
/** Set once the root hooks have run: whether this run has a stack at all. */
let stackInRun: boolean | undefined;
let timeSkipping: Promise<TestWorkflowEnvironment> | undefined;
let devServer: Promise<TestWorkflowEnvironment> | undefined;

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Worker lifecycle logs (INFO) and the activity failures the fault tests provoke on purpose (WARN) drown
 * mocha's output; TEST_LOG_LEVEL=WARN or INFO brings them back.
 */
function installQuietRuntime(): void {
  const wanted = process.env.TEST_LOG_LEVEL?.toUpperCase();
  const level = LOG_LEVELS.find((l) => l === wanted) ?? 'ERROR';
  // Core's native logs go through the same logger (and level) instead of straight to stderr.
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level === 'WARN' ? 'ERROR' : level, other: level }, forward: {} } },
  });
}

/**
 * Prepares the run: the quiet runtime always; with `withStack`, the stack too, its endpoints exported to
 * process.env (endpointsToEnv).
 */
export async function startHarness({ withStack }: { withStack: boolean }): Promise<void> {
  if (stackInRun !== undefined) return;
  stackInRun = withStack;
  process.env.METADATA_SERVER_DETECTION = 'none';
  installQuietRuntime();
  // Mocha does not handle Ctrl-C itself, and the services live in their own process groups. A signal
  // during startup exits at once; the stack's exit hook then kills what was already spawned.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => void stopHarness().finally(() => process.exit(128 + constants.signals[signal])));
  }
  if (!withStack) return;
  stack = await startTestStack();
  Object.assign(process.env, endpointsToEnv(stack.endpoints));
}

/** Free ports can be taken by another process before our services bind them: then try other ports. */
async function startTestStack(attempts = 3): Promise<RunningStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStack(await testStackOptions());
    } catch (error) {
      if (!(error instanceof PortConflictError) || attempt >= attempts) throw error;
    }
  }
}

/** Tears down the Temporal environments, then every process of the stack if the run has one. */
export async function stopHarness(): Promise<void> {
  const environments = [timeSkipping, devServer];
  timeSkipping = undefined;
  devServer = undefined;
  const teardowns = await Promise.allSettled(environments.map(async (env) => (await env?.catch(() => undefined))?.teardown()));
  await stack?.stop();
  stack = undefined;
  // A client call still retrying from a failed test may reject during teardown; that is not worth failing
  // the run over once the servers are gone, but it is worth a line.
  for (const result of teardowns) {
    if (result.status === 'rejected') console.warn(`[harness] Temporal test environment teardown: ${String(result.reason)}`);
  }
}

/** Endpoints of the stack shared by this mocha run. */
export function testStack(): StackEndpoints {
  if (stack) return stack.endpoints;
  if (stackInRun === false) {
    throw new Error(`This test needs the local stack: name its file *${STACK_TEST_FILE_SUFFIX} so that it runs with the stack (npm run test:integration).`);
  }
  throw new Error('The test stack is not running: test/root-hooks.ts starts it before the first hook or test (run tests through mocha).');
}

/** The shared time-skipping test server (from the pinned wheel), created on first use. */
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  timeSkipping ??= TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: loadToolPaths().temporalTestServer } },
  });
  return timeSkipping;
}

/** A test environment on the stack's Temporal dev server (real timers, search attributes registered). */
export function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const { temporalAddress, temporalNamespace } = testStack();
  devServer ??= TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress, namespace: temporalNamespace });
  return devServer;
}
