/** Test-only stand-ins registered under the date workflow's type: one whose task always fails, one that fails. */
import { ApplicationFailure } from '@temporalio/workflow';

export async function gameDateWorkflow(input: { fail: 'task' | 'workflow' }): Promise<void> {
  if (input.fail === 'task') throw new Error('corrupt carried state: transitions is missing');
  throw ApplicationFailure.nonRetryable('Unusable state: the date cannot be processed', 'UnusableState');
}
