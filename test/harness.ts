/**
 * Shared test infrastructure: one local stack per mocha run (free ports, temp dir), plus lazily
 * created Temporal test environments. Root hooks (test/root-hooks.ts) start and stop it.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { startStack, testStackOptions, type RunningStack } from '../local-stack/stack';
import { endpointsToEnv, type StackEndpoints } from '../local-stack/stack-endpoints';
import { loadToolPaths } from '../local-stack/tools';

let stack: RunningStack | undefined;
let timeSkipping: Promise<TestWorkflowEnvironment> | undefined;
let devServer: Promise<TestWorkflowEnvironment> | undefined;

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Worker lifecycle logs at INFO drown mocha's output; TEST_LOG_LEVEL=INFO brings them back. */
function installQuietRuntime(): void {
  const wanted = process.env.TEST_LOG_LEVEL?.toUpperCase();
  const level = LOG_LEVELS.find((l) => l === wanted) ?? 'WARN';
  // Core's native logs go through the same logger (and level) instead of straight to stderr.
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level === 'WARN' ? 'ERROR' : level, other: level }, forward: {} } },
  });
}

/** Starts the run's stack and exports its endpoints to process.env (endpointsToEnv). */
export async function startHarness(): Promise<void> {
  if (stack) return;
  process.env.METADATA_SERVER_DETECTION = 'none';
  installQuietRuntime();
  stack = await startStack(await testStackOptions());
  Object.assign(process.env, endpointsToEnv(stack.endpoints));
}

/** Tears down the Temporal environments, then every process of the stack. */
export async function stopHarness(): Promise<void> {
  const environments = [timeSkipping, devServer];
  timeSkipping = undefined;
  devServer = undefined;
  await Promise.all(environments.map(async (env) => (await env?.catch(() => undefined))?.teardown()));
  await stack?.stop();
  stack = undefined;
}

/** Endpoints of the stack shared by this mocha run. */
export function testStack(): StackEndpoints {
  if (!stack) throw new Error('The test stack is not running: test/root-hooks.ts starts it (run tests through mocha).');
  return stack.endpoints;
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
