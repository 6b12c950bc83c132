/**
 * A real worker for watchdog tests: the project's workflows and the real activities (emulators, alert webhook
 * to a loopback receiver) on the stack's dev server, for a pipeline name unique to the test run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { AlertConfig } from '../../activities/alert-channels';
import { createPreviousRunLoader } from '../../activities/previous-run';
import type { WebhookAlertPayload } from '../../activities/alert-channels';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { createWatchdogActivities, type WatchdogDeps } from '../../watchdogs/watchdog-activities';
import { parsePlanning, type LoadedPlanning, type PlanningConfig } from '../../watchdogs/planning';
import { createDateWorkers } from '../../worker/date-workers';
import { workflowFailureErrorTypes } from '../../worker/workflow-failure-policy';
import { startHttpReceiver, type HttpReceiver } from '../activities/http-receiver';
import { testBigQuery, testDataset, testFirestore, testPubSub } from '../activities/activity-test-env';
import { nbaDefinition, workflowBundle } from '../workflows/workflow-test-kit';

export type ReceivedAlert = WebhookAlertPayload;

export interface WatchdogRig {
  definition: PipelineDefinition;
  taskQueue: string;
  client: Client;
  alerts: HttpReceiver;
  received(): ReceivedAlert[];
  waitForAlert(predicate: (a: ReceivedAlert) => boolean, what: string, timeoutMs?: number): Promise<ReceivedAlert>;
  stop(): Promise<void>;
}

/** A calendar file in a temp folder, and the planning block pointing at it. */
export function planningWith(definition: PipelineDefinition, dates: string[], expectations: PlanningConfig['expectations']): LoadedPlanning {
  const dir = mkdtempSync(join(tmpdir(), 'planning-'));
  writeFileSync(join(dir, 'calendar.json'), JSON.stringify(dates));
  const config = parsePlanning({ season: { start: '2020-01-01', end: '2040-12-31' }, calendar: { kind: 'file', path: 'calendar.json' }, leadDays: 1, lookbackDays: 1, expectations }, definition);
  return { config, baseDir: dir };
}

export async function startWatchdogRig(env: TestWorkflowEnvironment, extra: Partial<WatchdogDeps> = {}, pipeline = `wd${randomUUID().slice(0, 8)}`): Promise<WatchdogRig> {
  const definition = nbaDefinition((d) => {
    d.pipeline = pipeline;
  });
  const taskQueue = `watchdogs-${randomUUID()}`;
  const alerts = await startHttpReceiver();
  const alertConfig: AlertConfig = { channels: [{ kind: 'webhook', name: 'webhook', url: alerts.url }] };
  const firestore = testFirestore();
  const bigquery = testBigQuery();
  const transition = createActivities({ pubsub: testPubSub(), firestore, bigquery, datasetId: testDataset(), alertConfig });
  const watchdogs = createWatchdogActivities({
    client: env.client,
    definition,
    planning: null,
    taskQueue,
    firestore,
    bigquery,
    datasetId: testDataset(),
    writers: transition,
    reconcileSettleMs: 0,
    ...extra,
  });
  // Live and backlog queues, as the worker process polls them: the backfill and the planner start old dates too.
  const workers = await createDateWorkers({
    connection: env.nativeConnection,
    taskQueue,
    dates: { workflowBundle: await workflowBundle(), activities: { ...transition, ...createPreviousRunLoader(env.client), ...watchdogs }, workflowFailureErrorTypes },
    triggers: { activities: transition },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const received = () => alerts.requests.map((r) => JSON.parse(r.body) as ReceivedAlert);
  return {
    definition,
    taskQueue,
    client: env.client,
    alerts,
    received,
    async waitForAlert(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = received().find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`No alert ${what} within ${timeoutMs} ms; received: ${JSON.stringify(received().map((a) => a.title))}`);
    },
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      await alerts.close();
    },
  };
}

/** `HH:MM:SS` in New York, `offsetMs` from now. */
export function nyTime(offsetMs: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(Date.now() + offsetMs);
}
