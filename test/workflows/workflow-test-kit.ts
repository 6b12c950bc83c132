/** Runs the game-date workflow on the time-skipping server against recording activity fakes. */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { gameDateWorkflow } from '../../workflows';
import { gameDateWorkflowId, statusQuery, type GameDateWorkflowInput } from '../../workflows/game-date/messages';
import type { GameDateStatus } from '../../workflows/game-date/status';
import { RecordingActivities } from './recording-activities';
import { createTriggerWorker } from '../../worker/trigger-worker';
import { workflowInterceptorModules } from '../../worker/workflow-bundle';
import { workflowFailureErrorTypes } from '../../worker/workflow-failure-policy';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle is built once per run; each test gets its own worker and task queue. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const workflowsPath = require.resolve('../../workflows');
  bundle ??= bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowInterceptorModules(workflowsPath), logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export function nbaDefinition(change?: (definition: PipelineDefinition) => void): PipelineDefinition {
  const definition = structuredClone(loadPipelineDefinition());
  change?.(definition);
  return definition;
}

/** Long enough to gather a test's burst of signals, short enough that the suite does not wait on real-time windows. */
const TEST_WRITE_BATCH_WINDOW_MS = 200;

export interface DateRun {
  handle: WorkflowHandleWithFirstExecutionRunId<typeof gameDateWorkflow>;
  recorder: RecordingActivities;
  status: () => Promise<GameDateStatus>;
  /**
   * Polls the status query until `predicate` holds and every queued write has landed (real time, no time
   * skipping); `allowPending` waits for the predicate alone, e.g. while a store is meant to be down.
   */
  until: (predicate: (status: GameDateStatus) => boolean, what: string, allowPending?: boolean) => Promise<GameDateStatus>;
}

export async function withDateWorkflow(
  env: TestWorkflowEnvironment,
  options: {
    gameDate: string;
    definition?: PipelineDefinition;
    recorder?: RecordingActivities;
    input?: Partial<GameDateWorkflowInput>;
    /** Start options beyond the test's defaults, e.g. the Web UI's static summary and details, or a backlog priority. */
    start?: Partial<Pick<WorkflowStartOptions, 'workflowId' | 'staticSummary' | 'staticDetails' | 'priority'>>;
  },
  body: (run: DateRun) => Promise<void>,
): Promise<void> {
  const taskQueue = `test-${randomUUID()}`;
  const recorder = options.recorder ?? new RecordingActivities();
  const definition = options.definition ?? nbaDefinition();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: recorder.activities(),
    workflowFailureErrorTypes,
  });
  const triggerWorker = await createTriggerWorker({ connection: env.nativeConnection, taskQueue, activities: recorder.activities() });
  await worker.runUntil(triggerWorker.runUntil(async () => {
    const handle = await env.client.workflow.start(gameDateWorkflow, {
      taskQueue,
      workflowId: `${gameDateWorkflowId(definition.pipeline, options.gameDate)}-${randomUUID()}`,
      args: [{ definition, gameDate: options.gameDate, searchAttributes: false, writeBatchWindowMs: TEST_WRITE_BATCH_WINDOW_MS, ...options.input }],
      ...options.start,
    });
    const status = () => handle.query(statusQuery);
    const until = async (predicate: (s: GameDateStatus) => boolean, what: string, allowPending = false) => {
      const deadline = Date.now() + 20_000;
      let last: GameDateStatus | undefined;
      while (Date.now() < deadline) {
        last = await status();
        if (predicate(last) && (allowPending || writesLanded(last))) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`Timed out waiting until ${what}; last status: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    };
    try {
      await body({ handle, recorder, status, until });
    } finally {
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') await handle.terminate('test finished');
    }
  }));
}

export function writesLanded(status: GameDateStatus): boolean {
  const pending = status.pendingWrites;
  return !status.writing && pending.completionRows + pending.logRows + pending.projections.length + pending.statusRows.length + pending.alerts === 0;
}

/** `YYYY-MM-DD` of a day relative to today in New York (the NBA pipeline's time zone). */
export function nyDate(offsetDays = 0, now = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(now + offsetDays * 86_400_000);
}

export function transition(status: GameDateStatus, name: string) {
  const found = status.transitions.find((t) => t.name === name);
  if (!found) throw new Error(`no transition ${name} in status`);
  return found;
}
