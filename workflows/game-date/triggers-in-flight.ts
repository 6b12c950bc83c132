/**
 * Triggers that run beside the decision loop. A date's completions that arrive while one of its triggers is being
 * published are applied at once instead of after that publish, and the rounds one pass tips publish together:
 * a prediction batch no longer waits for the Phase 5 trigger its own phase started with.
 */
export interface TriggersInFlight {
  /** No trigger is running. */
  readonly idle: boolean;
  /** Runs a decision (and the trigger it may publish) without waiting for it. */
  start(decision: () => Promise<void>): void;
  /** Throws what a decision ended with (a bug in workflow code; a failed publish is an outcome runTrigger records). */
  rethrow(): void;
}

/** `onSettled` runs whenever a decision ends, so the loop wakes to write, alert and close after it. */
export function triggersInFlight(onSettled: () => void): TriggersInFlight {
  let running = 0;
  let failure: { error: unknown } | null = null;
  return {
    get idle() {
      return running === 0;
    },
    start(decision) {
      running += 1;
      decision()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running -= 1;
          onSettled();
        });
    },
    rethrow() {
      if (failure) throw failure.error;
    },
  };
}
