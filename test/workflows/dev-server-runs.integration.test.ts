/**
 * Representative runs of the game-date workflow on the real dev server: search attributes the Web UI filters
 * on, and histories that `replay.test.ts` replays. `RECORD_HISTORIES=1 npx mocha test/workflows/dev-server-runs.integration.test.ts`
 * rewrites the fixtures in test/fixtures/histories/ (commit them: they pin today's workflow code). Before a
 * change that needs a `patched()` branch, move the current ones into a sub-folder named for that change.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerEnv } from '../harness';
import { BACKLOG_DATE_PRIORITY } from '../../contract/date-priority';
import { completionSignal, completionsSignal, operatorCommandUpdate, triggerTaskQueue } from '../../workflows/game-date/messages';
import { completion, PHASE2, PHASE3, PHASE4 } from './completions';
import { nonRetryable, RecordingActivities } from './recording-activities';
import { nyDate, transition, withDateWorkflow, type DateRun } from './workflow-test-kit';

const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/** Binary protobuf: exact, compact, and independent of JSON enum conventions. Stack traces (paths of the
 * machine that recorded them) are dropped: replay does not read them. */
function encodeHistory(history: temporal.api.history.v1.IHistory): Uint8Array {
  dropStackTraces(history);
  return temporal.api.history.v1.History.encode(history).finish();
}

/** A protobuf duration in milliseconds. */
function durationMs(duration: temporal.api.history.v1.ITimerStartedEventAttributes['startToFireTimeout']): number {
  return Number(duration?.seconds ?? 0) * 1000 + Math.round((duration?.nanos ?? 0) / 1e6);
}

function dropStackTraces(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'stackTrace' && typeof value === 'string') (node as Record<string, unknown>)[key] = '';
    else if (typeof value === 'object' && !(value instanceof Uint8Array)) dropStackTraces(value);
  }
}

/** The workflow's own task queue and the queues its activities of `types` were scheduled on. */
function triggerQueues(events: temporal.api.history.v1.IHistoryEvent[], types: string[]): { own: string; scheduledOn: string[] } {
  const own = events[0]?.workflowExecutionStartedEventAttributes?.taskQueue?.name ?? '';
  const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes).filter((a) => types.includes(a?.activityType?.name ?? ''));
  return { own, scheduledOn: scheduled.map((a) => a?.taskQueue?.name ?? '') };
}

async function keepHistory(env: TestWorkflowEnvironment, run: DateRun, name: string): Promise<void> {
  const history = await env.client.workflow.getHandle(run.handle.workflowId).fetchHistory();
  assert.ok((history.events?.length ?? 0) > 0);
  if (process.env.RECORD_HISTORIES === '1') writeFileSync(join(HISTORY_FIXTURES, `${name}.binpb`), encodeHistory(history));
}

async function visibleWith(env: TestWorkflowEnvironment, query: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length > 0 || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('game-date workflow on the dev server', function () {
  this.timeout(90_000);
  let env: TestWorkflowEnvironment;
  const gameDate = nyDate(-1);
  const P2 = 'phase_2_raw';

  before(async () => {
    env = await devServerEnv();
  });

  it('a full game day: four transitions triggered, state searchable by date and phase', async () => {
    await withDateWorkflow(env, { gameDate, input: { searchAttributes: true } }, async (run) => {
      const { handle, recorder, until } = run;
      for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
      await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered', 'phase 2');
      const stuckQuery = `WorkflowId = '${handle.workflowId}' AND CurrentPhase = 'phase3_to_phase4' AND TransitionStates = 'phase2_to_phase3:triggered'`;
      assert.deepEqual(await visibleWith(env, stuckQuery), [handle.workflowId], 'the Web UI can list dates waiting in Phase 3');
      for (const name of PHASE3) await handle.signal(completionSignal, completion('phase_3_analytics', name, gameDate));
      for (const name of PHASE4.slice(0, 4)) await handle.signal(completionSignal, completion('phase_4_precompute', name, gameDate));
      const waiting = await until((s) => transition(s, 'phase4_to_phase5').completed.length === 4, 'phase 4 partial');
      assert.deepEqual(transition(waiting, 'phase4_to_phase5').missing, ['ml_feature_store']);
      assert.deepEqual(await visibleWith(env, `WorkflowId = '${handle.workflowId}' AND MissingProcessors = 'phase4_to_phase5:ml_feature_store'`), [handle.workflowId]);
      await handle.signal(completionSignal, completion('phase_4_precompute', 'MLFeatureStoreProcessor', gameDate));
      await handle.signal(completionSignal, completion('phase_5_predictions', 'PredictionCoordinator', gameDate, { execution_id: 'batch-1', metadata: { completion_pct: 97 } }));
      const done = await until((s) => s.currentPhase === 'done' && s.pendingWrites.logRows === 0 && s.pendingWrites.alerts === 0, 'all settled');
      assert.ok(done.transitions.every((t) => t.state === 'triggered'));
      const topics = recorder.published.map((p) => p.topic);
      assert.deepEqual(topics.slice(0, 2), ['nba-phase3-trigger', 'nba-phase4-trigger']);
      // The predictions and the export are due moments apart and publish side by side, in either order.
      assert.deepEqual(topics.slice(2).sort(), ['nba-phase6-export-trigger', 'nba-predictions-trigger']);
      // A live date's triggers stay on its own queue: the server may hand them straight back to this worker.
      const queues = triggerQueues((await handle.fetchHistory()).events ?? [], ['publishTrigger', 'callHttpTrigger']);
      assert.deepEqual(queues.scheduledOn, Array<string>(5).fill(queues.own));
      await keepHistory(env, run, 'full-game-day');
    });
  });

  it("a backfill's burst: each phase's completions in one batch signal, as the bridge sends them", async () => {
    const burstDate = nyDate(-9);
    await withDateWorkflow(env, { gameDate: burstDate }, async (run) => {
      const { handle, recorder, until } = run;
      await handle.signal(completionsSignal, PHASE2.map((name) => completion(P2, name, burstDate)));
      await handle.signal(completionsSignal, PHASE3.map((name) => completion('phase_3_analytics', name, burstDate)));
      const done = await until((s) => transition(s, 'phase3_to_phase4').state === 'triggered' && s.pendingWrites.logRows === 0, 'phases 2 and 3');
      assert.equal(transition(done, 'phase2_to_phase3').completed.length, PHASE2.length);
      // Both rounds tip in one workflow task and publish side by side, in either order (topics are not ordered anyway).
      assert.deepEqual(recorder.published.map((p) => p.topic).sort(), ['nba-phase3-trigger', 'nba-phase4-trigger']);
      await keepHistory(env, run, 'batched-completions');
    });
  });

  it("a backfill date's writes: each pass gathers for half to one and a half windows, and may wait an hour for a slot", async () => {
    const backfillDate = nyDate(-30);
    const windowMs = 200; // the test kit's window
    await withDateWorkflow(env, { gameDate: backfillDate, start: { priority: { priorityKey: BACKLOG_DATE_PRIORITY } } }, async (run) => {
      const { handle, until } = run;
      // One completion per pass: each pass is its own gathering window.
      for (const [index, name] of PHASE2.entries()) {
        await handle.signal(completionSignal, completion(P2, name, backfillDate));
        await until((s) => transition(s, 'phase2_to_phase3').completed.length === index + 1, `${name} written`);
      }
      await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered', 'triggered');
      const events = (await handle.fetchHistory()).events ?? [];
      const summary = (event: temporal.api.history.v1.IHistoryEvent) => {
        const data = event.userMetadata?.summary?.data;
        return data ? String(JSON.parse(Buffer.from(data).toString('utf8'))) : '';
      };
      const windows = events.filter((e) => e.timerStartedEventAttributes && summary(e).startsWith('gather writes')).map((e) => durationMs(e.timerStartedEventAttributes!.startToFireTimeout));
      assert.ok(windows.length >= PHASE2.length, `a window per pass, got ${windows.length}`);
      for (const ms of windows) assert.ok(ms >= windowMs / 2 && ms <= 1.5 * windowMs, `window ${ms} ms outside ${windowMs / 2}–${1.5 * windowMs} ms`);
      assert.ok(new Set(windows).size > 1, `windows are spread, not all ${windows[0]} ms`);
      const writes = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeDateRecords');
      assert.ok(writes.length > 0);
      for (const write of writes) assert.equal(durationMs(write.activityTaskScheduledEventAttributes!.scheduleToCloseTimeout), 3_600_000);
      // A backfill date's trigger goes to the trigger queue, not behind the backlog's writes on its own.
      const queues = triggerQueues(events, ['publishTrigger']);
      assert.deepEqual(queues.scheduledOn, [triggerTaskQueue(queues.own)]);
      await keepHistory(env, run, 'backfill-spread-writes');
    });
  });

  it('a failed publish, its alert, and the retry that triggers', async () => {
    const recorder = new RecordingActivities();
    let failing = true;
    recorder.failPublish = () => (failing ? nonRetryable('topic not found', 'TriggerTopicNotFound')() : undefined);
    await withDateWorkflow(env, { gameDate, recorder, input: { searchAttributes: true } }, async (run) => {
      const { handle, until } = run;
      for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
      await until((s) => transition(s, 'phase2_to_phase3').state === 'failed' && s.pendingWrites.alerts === 0, 'failed');
      failing = false;
      await handle.signal(completionSignal, completion(P2, 'NbacTeamBoxscoreProcessor', gameDate));
      await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.logRows === 0, 'retried');
      assert.deepEqual(recorder.logRows.map((r) => r.status), ['failed', 'complete']);
      await keepHistory(env, run, 'failed-publish-then-retry');
    });
  });

  it('operator commands: a rejected command, a re-arm and a skip', async () => {
    await withDateWorkflow(env, { gameDate, input: { searchAttributes: true } }, async (run) => {
      const { handle, recorder, until } = run;
      for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
      await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered', 'triggered');
      await assert.rejects(
        handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'force', transition: 'phase2_to_phase3', reason: 'again', operator: 'oncall' }] }),
        (error: Error) => /already triggered/.test(String((error.cause as Error | undefined)?.message)),
      );
      await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'rearm', transition: 'phase2_to_phase3', reason: 'lost downstream', operator: 'oncall' }] });
      await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'skip', transition: 'phase5_to_phase6', reason: 'no export today', operator: 'oncall' }] });
      await until((s) => s.pendingWrites.logRows === 0 && s.pendingWrites.alerts === 0, 'written');
      assert.equal(recorder.published.length, 2);
      await keepHistory(env, run, 'operator-commands');
    });
  });

  it('continue-as-new with a small history budget keeps every decision', async () => {
    await withDateWorkflow(env, { gameDate, input: { searchAttributes: true, maxHistoryEvents: 60 } }, async (run) => {
      const { handle, until } = run;
      for (const name of [...PHASE2, ...PHASE3]) {
        const phase = PHASE2.includes(name) ? P2 : 'phase_3_analytics';
        await handle.signal(completionSignal, completion(phase, name, gameDate));
        await until((s) => s.transitions.some((t) => t.completed.includes(name)), `${name} applied`);
      }
      const status = await until((s) => transition(s, 'phase3_to_phase4').state === 'triggered', 'phase 3');
      assert.equal(transition(status, 'phase2_to_phase3').state, 'triggered');
      const latest = await env.client.workflow.getHandle(handle.workflowId).describe();
      assert.notEqual(latest.runId, handle.firstExecutionRunId, 'continued as new');
      const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
      if (process.env.RECORD_HISTORIES === '1') writeFileSync(join(HISTORY_FIXTURES, 'continue-as-new-first-run.binpb'), encodeHistory(first));
      assert.ok((first.events?.length ?? 0) <= 120, `first run closed at ${first.events?.length} events`);
    });
  });
});
