/** Mocha root hooks: one local stack for the whole run (see test/harness.ts). */
import type { Context } from 'mocha';
import { startHarness, stopHarness } from './harness';

export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    // A cold start on a busy machine (JVM emulators) can exceed the default test timeout.
    this.timeout(180_000);
    await startHarness();
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(60_000);
    await stopHarness();
  },
};
