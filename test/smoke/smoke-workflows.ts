/** Trivial workflows that prove a worker round trip; bundled by Worker.create in the smoke tests. */
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface SmokeActivities {
  shout(text: string): Promise<string>;
}

const { shout } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10 seconds' });

export async function greetWorkflow(name: string): Promise<string> {
  return shout(`hello ${name}`);
}

/** Sleeps a full day: on the time-skipping server this finishes almost at once. */
export async function sleepOneDayWorkflow(): Promise<number> {
  const before = Date.now();
  await sleep('1 day');
  return Date.now() - before;
}
