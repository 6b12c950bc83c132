/**
 * Watchdogs against real processes: the stack's Temporal dev server, the Firestore and BigQuery emulators, a
 * real worker with the real activities, and alerts delivered over HTTP to a loopback receiver.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { calendarDateIn } from '../../contract/game-date-mode';
import { plannerWorkflow, reconciliationWorkflow, stuckWorkflowsWorkflow } from '../../workflows';
import { completionSignal, gameDateWorkflowId } from '../../workflows/game-date/messages';
import { gameDateStateQuery } from '../../workflows/game-date/internal-messages';
import { gameDateWorkflow } from '../../workflows';
import { loadWatchdogConfig } from '../../watchdogs/watchdog-config';
import { ensureWatchdogSchedules, watchdogScheduleIds } from '../../watchdogs/watchdog-schedules';
import { createWatchdogStatus, watchdogHealthProbe } from '../../watchdogs/watchdog-status';
import { PHASE_EXECUTION_LOG_TABLE, PHASE_EXECUTION_LOG_VIEW } from '../../activities/bigquery-schema';
import { devServerEnv } from '../harness';
import { startHttpReceiver } from '../activities/http-receiver';
import { testBigQuery, testDataset, testFirestore, uniqueGameDate } from '../activities/activity-test-env';
import { completion, PHASE2 } from '../workflows/completions';
import { nyTime, planningWith, startWatchdogRig, type WatchdogRig } from './watchdog-test-kit';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('watchdogs (dev server, emulators, real worker)', function () {
  this.timeout(120_000);
  let rig: WatchdogRig;
  const today = () => calendarDateIn('America/New_York', Date.now());

  before(async function () {
    const env = await devServerEnv();
    rig = await startWatchdogRig(env);
  });

  after(async () => {
    await rig?.stop();
  });

  it('planner: a planned date with no completions goes overdue, logs and alerts; planning again changes nothing', async () => {
    const env = await devServerEnv();
    const date = today();
    const planning = planningWith(rig.definition, [date], { phase2_to_phase3: { dayOffset: 0, localTime: nyTime(6_000) } });
    // The shared rig plans nothing (no planning block); this one has a calendar holding today.
    const plannerRig = await startWatchdogRig(env, { planning });
    try {
      const started = Date.now();
      const result = await env.client.workflow.execute(plannerWorkflow, { taskQueue: plannerRig.taskQueue, workflowId: `planner-${randomUUID()}`, args: [{ pipeline: plannerRig.definition.pipeline }] });
      assert.deepEqual(result.ensured, [date]);
      const handle = env.client.workflow.getHandle(gameDateWorkflowId(plannerRig.definition.pipeline, date));
      const firstRun = (await handle.describe()).runId;
      const alert = await plannerRig.waitForAlert((a) => a.game_date === date && /overdue/.test(a.title), 'planned overdue', 40_000);
      assert.equal(alert.severity, 'error');
      assert.equal(alert.transition, 'phase2_to_phase3');
      assert.ok(Date.now() - started < 40_000);
      const state = await handle.query(gameDateStateQuery);
      assert.ok(state.executionLog.some((r) => r.status === 'overdue' && r.phase_name === 'phase2_to_phase3' && r.metadata.planned === true));
      // The overdue row reaches BigQuery like any other outcome.
      await eventually(async () => {
        const [rows] = await testBigQuery().query({
          query: `SELECT status FROM \`${testDataset()}.${PHASE_EXECUTION_LOG_VIEW}\` WHERE game_date = CAST(@d AS DATE) AND row_key = @k`,
          params: { d: date, k: state.executionLog[0]!.rowKey },
        });
        return rows.length === 1 ? rows : undefined;
      }, 'the overdue log row in BigQuery');
      const again = await env.client.workflow.execute(plannerWorkflow, { taskQueue: plannerRig.taskQueue, workflowId: `planner-${randomUUID()}`, args: [{ pipeline: plannerRig.definition.pipeline }] });
      assert.deepEqual(again.ensured, [date]);
      assert.equal((await handle.describe()).runId, firstRun, 'a running date is not disturbed');
      await handle.terminate('test finished');
    } finally {
      await plannerRig.stop();
    }
  });

  it('reconciliation: a deleted Firestore document and a removed log row are reported in dry run, then restored with alerts', async () => {
    const env = await devServerEnv();
    const date = uniqueGameDate();
    const workflowId = gameDateWorkflowId(rig.definition.pipeline, date);
    const first = completion('phase_2_raw', PHASE2[0]!, date);
    const handle = await env.client.workflow.signalWithStart(gameDateWorkflow, {
      taskQueue: rig.taskQueue,
      workflowId,
      args: [{ definition: rig.definition, gameDate: date }],
      signal: completionSignal,
      signalArgs: [first],
    });
    for (const name of PHASE2.slice(1)) await handle.signal(completionSignal, completion('phase_2_raw', name, date));
    // Wait until the trigger happened and every projection was written.
    const state = await eventually(async () => {
      const s = await handle.query(gameDateStateQuery);
      const done = s.executionLog.some((r) => r.status === 'complete') && s.pendingLogRows.length + s.pendingCompletionRows.length + s.dirtyProjections.length + s.dirtyStatusRows.length === 0;
      return done ? s : undefined;
    }, 'the date to trigger and write its projections');
    const logRow = state.executionLog.find((r) => r.status === 'complete')!;
    const firestore = testFirestore();
    const doc = firestore.collection('phase2_completion').doc(date);
    assert.ok((await doc.get()).exists);

    // Behind the system's back.
    await doc.delete();
    await testBigQuery().query({
      query: `DELETE FROM \`${testDataset()}.${PHASE_EXECUTION_LOG_TABLE}\` WHERE game_date = CAST(@d AS DATE) AND row_key = @k`,
      params: { d: date, k: logRow.rowKey },
    });

    const started = Date.now();
    const dry = await env.client.workflow.execute(reconciliationWorkflow, { taskQueue: rig.taskQueue, workflowId: `reconcile-${randomUUID()}`, args: [{ pipeline: rig.definition.pipeline, dryRun: true }] });
    const dryMine = dry.details.filter((d) => d.gameDate === date);
    assert.deepEqual(dryMine.map((d) => d.kind).sort(), ['execution_log_missing', 'firestore_missing']);
    assert.ok(dryMine.every((d) => !d.repaired));
    assert.equal((await doc.get()).exists, false, 'a dry run writes nothing');

    const real = await env.client.workflow.execute(reconciliationWorkflow, { taskQueue: rig.taskQueue, workflowId: `reconcile-${randomUUID()}`, args: [{ pipeline: rig.definition.pipeline }] });
    const mine = real.details.filter((d) => d.gameDate === date);
    assert.deepEqual(mine.map((d) => [d.kind, d.repaired]).sort(), [['execution_log_missing', true], ['firestore_missing', true]]);
    const restored = await doc.get();
    assert.equal(restored.get('_triggered'), true);
    assert.equal(restored.get('_completed_count'), 5);
    const [rows] = await testBigQuery().query({
      query: `SELECT status FROM \`${testDataset()}.${PHASE_EXECUTION_LOG_VIEW}\` WHERE game_date = CAST(@d AS DATE) AND row_key = @k`,
      params: { d: date, k: logRow.rowKey },
    });
    assert.deepEqual(rows, [{ status: 'complete' }]);
    await rig.waitForAlert((a) => a.game_date === date && /Reconciliation repaired firestore missing/.test(a.title), 'firestore repair');
    await rig.waitForAlert((a) => a.game_date === date && /Reconciliation repaired execution log missing/.test(a.title), 'log repair');

    const clean = await env.client.workflow.execute(reconciliationWorkflow, { taskQueue: rig.taskQueue, workflowId: `reconcile-${randomUUID()}`, args: [{ pipeline: rig.definition.pipeline }] });
    assert.deepEqual(clean.details.filter((d) => d.gameDate === date), [], 'repairs are idempotent and complete');
    console.log(`      reconciliation: ${real.dates} dates, checked ${JSON.stringify(real.checked)}; three runs in ${Date.now() - started} ms`);
    await handle.terminate('test finished');
  });

  it('stuck workflows: a date whose workflow task keeps failing and a failed date are reported with date and error', async () => {
    const env = await devServerEnv();
    const stuckQueue = `stuck-${randomUUID()}`;
    // Test-only workflows under the date workflow's type: no failure policy, so a thrown Error fails the task.
    const failing = await Worker.create({ connection: env.nativeConnection, taskQueue: stuckQueue, workflowsPath: require.resolve('./failing-workflows') });
    const stuckDate = uniqueGameDate();
    const failedDate = uniqueGameDate();
    await failing.runUntil(async () => {
      const stuck = await env.client.workflow.start('gameDateWorkflow', { taskQueue: stuckQueue, workflowId: gameDateWorkflowId(rig.definition.pipeline, stuckDate), args: [{ fail: 'task' }] });
      const failed = await env.client.workflow.start('gameDateWorkflow', { taskQueue: stuckQueue, workflowId: gameDateWorkflowId(rig.definition.pipeline, failedDate), args: [{ fail: 'workflow' }] });
      try {
        const result = await eventually(async () => {
          const r = await env.client.workflow.execute(stuckWorkflowsWorkflow, { taskQueue: rig.taskQueue, workflowId: `stuck-${randomUUID()}`, args: [{ pipeline: rig.definition.pipeline, lookbackMinutes: 10 }] });
          const dates = r.stuck.map((s) => s.gameDate);
          return dates.includes(stuckDate) && dates.includes(failedDate) ? r : undefined;
        }, 'both dates to be reported', 90_000);
        const task = result.stuck.find((s) => s.gameDate === stuckDate)!;
        assert.equal(task.kind, 'task_failing');
        assert.match(task.error, /corrupt carried state/);
        const fail = result.stuck.find((s) => s.gameDate === failedDate)!;
        assert.equal(fail.kind, 'failed');
        assert.match(fail.error, /cannot be processed/);
        await rig.waitForAlert((a) => a.game_date === stuckDate && a.severity === 'critical' && /corrupt carried state/.test(a.text), 'stuck alert');
        await rig.waitForAlert((a) => a.game_date === failedDate && /failed/.test(a.title), 'failed alert');
      } finally {
        await stuck.terminate('test finished');
        assert.equal((await failed.describe()).status.name, 'FAILED');
      }
    });
  });

  it('schedules: created or updated idempotently, triggered on demand; a paused schedule shows in health and alerts', async () => {
    const env = await devServerEnv();
    const bridge = await startHttpReceiver({ status: 503, body: JSON.stringify({ status: 'degraded', dependencies: { temporal: { healthy: false, error: 'UNAVAILABLE' } } }) });
    const heartbeat = await startHttpReceiver();
    const config = loadWatchdogConfig({ WATCHDOG_HEALTH_EVERY: '1h', WATCHDOG_STUCK_EVERY: '1h', WATCHDOG_RECONCILE_EVERY: '1d' });
    const status = createWatchdogStatus();
    const pipeline = `wd${randomUUID().slice(0, 8)}`;
    const ids = watchdogScheduleIds({ pipeline, config, planning: false });
    // A rig whose probes point at the fake bridge and heartbeat, and which checks its own schedules.
    const probeRig = await startWatchdogRig(
      env,
      { healthEndpoints: [{ name: 'bridge', url: `${bridge.url}/health` }], env: { WATCHDOG_HEARTBEAT_URL: `${heartbeat.url}/ping/abc` }, status, scheduleIds: ids },
      pipeline,
    );
    try {
      const created = await ensureWatchdogSchedules(env.client, { pipeline, taskQueue: probeRig.taskQueue, config, planning: false });
      assert.deepEqual(created.created.sort(), ids.slice().sort());
      const updated = await ensureWatchdogSchedules(env.client, { pipeline, taskQueue: probeRig.taskQueue, config, planning: false });
      assert.deepEqual(updated.updated.sort(), ids.slice().sort());

      const healthSchedule = env.client.schedule.getHandle(`${pipeline}-watchdog-health-probe`);
      await healthSchedule.trigger();
      await probeRig.waitForAlert((a) => a.title === 'bridge is unhealthy or down' && /HTTP 503/.test(a.text) && /temporal: UNAVAILABLE/.test(a.text), 'bridge down');
      await eventually(async () => (heartbeat.requests.some((r) => r.path === '/ping/abc') ? true : undefined), 'the heartbeat ping');
      bridge.fallback = { status: 200, body: JSON.stringify({ status: 'healthy' }) };
      // The schedule skips a trigger while its previous run is still going (overlap policy SKIP), and its
      // list of running actions can lag behind the run's end: wait for the first probe to finish, then
      // trigger with ALLOW_ALL so a stale list cannot skip the second probe.
      const firstRun = await eventually(async () => {
        const { info } = await healthSchedule.describe();
        return info.runningActions.length === 0 ? info.recentActions.at(-1) : undefined;
      }, 'the first probe run to finish');
      // A schedule starts at most one run per second (a run's id ends in its start time to the second), and a
      // second trigger within that second starts nothing: a fast first probe made the second one vanish.
      const sameSecondEnds = Math.floor((firstRun?.scheduledAt ?? new Date()).getTime() / 1000) * 1000 + 1_000;
      await sleep(Math.max(0, sameSecondEnds - Date.now()) + 100);
      await healthSchedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      await probeRig.waitForAlert((a) => a.title === 'bridge is healthy again', 'bridge resolved');

      const probe = watchdogHealthProbe(env.client, ids, status);
      assert.deepEqual(await probe(), { healthy: true, error: null });
      await env.client.schedule.getHandle(`${pipeline}-watchdog-reconciliation`).pause('maintenance');
      const verdict = await probe();
      assert.equal(verdict?.healthy, false);
      assert.match(verdict?.error ?? '', /reconciliation paused \(maintenance\)/);
      const stuck = await env.client.workflow.execute(stuckWorkflowsWorkflow, { taskQueue: probeRig.taskQueue, workflowId: `stuck-${randomUUID()}`, args: [{ pipeline }] });
      assert.deepEqual(stuck.scheduleProblems, [{ scheduleId: `${pipeline}-watchdog-reconciliation`, problem: 'paused (maintenance)' }]);
      await probeRig.waitForAlert((a) => a.severity === 'critical' && a.title === `Watchdog schedule ${pipeline}-watchdog-reconciliation is not running`, 'paused schedule alert');
    } finally {
      for (const id of ids) await env.client.schedule.getHandle(id).delete().catch(() => undefined);
      await probeRig.stop();
      await bridge.close();
      await heartbeat.close();
    }
  });

  it('a watchdog that cannot run alerts, fails its run and shows in health', async () => {
    const env = await devServerEnv();
    const status = createWatchdogStatus();
    // The planner's calendar file is missing: its activity fails every attempt.
    const planning = planningWith(rig.definition, [], {});
    planning.config.calendar = { kind: 'file', path: 'no-such-calendar.json' };
    const broken = await startWatchdogRig(env, { planning, status });
    try {
      const handle = await env.client.workflow.start(plannerWorkflow, { taskQueue: broken.taskQueue, workflowId: `planner-${randomUUID()}`, args: [{ pipeline: broken.definition.pipeline }] });
      await assert.rejects(handle.result(), (error: WorkflowFailedError) => /Watchdog planner of .* failed: Cannot read the planning calendar/.test(error.cause?.message ?? ''));
      const alert = await broken.waitForAlert((a) => a.severity === 'critical' && /Watchdog planner cannot run/.test(a.title), 'watchdog failure alert');
      assert.match(alert.text, /no-such-calendar\.json/);
      const verdict = await watchdogHealthProbe(env.client, [], status)();
      assert.equal(verdict?.healthy, false);
      assert.match(verdict?.error ?? '', /^planner: /);
    } finally {
      await broken.stop();
    }
  });
});
