/**
 * Any error escaping workflow code (a bug, a corrupt carried state, a non-determinism error after a bad
 * deploy) fails the execution visibly instead of retrying its workflow task forever behind "Running".
 * Failed dates are found by the stuck-workflow watchdog and repaired with `temporal workflow reset`.
 */
import type { WorkerOptions } from '@temporalio/worker';

export const workflowFailureErrorTypes: NonNullable<WorkerOptions['workflowFailureErrorTypes']> = { '*': ['Error'] };
