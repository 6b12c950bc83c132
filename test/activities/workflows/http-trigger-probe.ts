/**
 * A one-activity workflow for testing the HTTP trigger under its real retry policy. Bundling it also proves
 * that retry-policies.ts is safe to import from workflow code.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { HttpTriggerInput, HttpTriggerResult, TransitionActivities } from '../../../activities/activity-contracts';
import { httpTriggerOptions } from '../../../activities/retry-policies';

const { callHttpTrigger } = proxyActivities<Pick<TransitionActivities, 'callHttpTrigger'>>(httpTriggerOptions);

export async function httpTriggerProbe(input: HttpTriggerInput): Promise<HttpTriggerResult> {
  return callHttpTrigger(input);
}
