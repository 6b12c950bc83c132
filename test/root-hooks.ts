/**
 * Mocha root hooks (see test/harness.ts). The stack starts only when the run loaded a stack-backed file, so
 * `npx mocha <file>` does what that one file needs and the unit loop never waits for the services.
 */
import type { Context, Suite } from 'mocha';
import { STACK_TEST_FILE_SUFFIX, startHarness, stopHarness } from './harness';

/** Each loaded file's top-level suites (or tests written outside any describe) hang off the root suite. */
function runLoadsStackTests(root: Suite | undefined): boolean {
  const files = [...(root?.suites ?? []), ...(root?.tests ?? [])].map((runnable) => runnable.file ?? '');
  return files.some((file) => file.endsWith(STACK_TEST_FILE_SUFFIX));
}

export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    // A cold start on a busy machine (JVM emulators) can exceed the default test timeout.
    this.timeout(180_000);
    await startHarness({ withStack: runLoadsStackTests(this.test?.parent) });
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(60_000);
    await stopHarness();
  },
};
