/**
 * The default definition's planning block against the local stack's seeded schedule table: the planner plans
 * exactly the seeded game dates of its window (off days skipped), and seeding again changes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { calendarDateIn } from '../../contract/game-date-mode';
import { DEFAULT_PIPELINE_DEFINITION_PATH } from '../../contract/load-pipeline-definition';
import { ensureSeededSchedule, isSeededGameDay, SEED_DAYS_AHEAD } from '../../local-stack/schedule-seed';
import { createPlanner } from '../../watchdogs/planner-activities';
import { addDays, loadPlanning, planningWindow } from '../../watchdogs/planning';
import { gameDateWorkflowId } from '../../workflows/game-date/messages';
import { loadWatchdogConfig } from '../../watchdogs/watchdog-config';
import { ensureWatchdogSchedules, watchdogScheduleIds } from '../../watchdogs/watchdog-schedules';
import { devServerEnv } from '../harness';
import { testBigQuery } from '../activities/activity-test-env';
import { nbaDefinition } from '../workflows/workflow-test-kit';
import { createWorld } from '../e2e/e2e-kit';
import { startWatchdogRig } from './watchdog-test-kit';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('planning from the schedule table (pipelines/nba.json, the stack\'s seeded nba_raw.nbac_schedule)', function () {
  this.timeout(60_000);

  it('nba.json plans from nba_raw.nbac_schedule, with an expectation for every transition', () => {
    const definition = nbaDefinition();
    const planning = loadPlanning(DEFAULT_PIPELINE_DEFINITION_PATH, definition);
    assert.deepEqual(planning?.config.calendar, { kind: 'bigquery', dataset: 'nba_raw', table: 'nbac_schedule', dateColumn: 'game_date' });
    assert.deepEqual(Object.keys(planning.config.expectations).sort(), definition.transitions.map((t) => t.name).sort());
  });

  it('the planner starts the seeded game dates of its window, and only those', async function () {
    const env = await devServerEnv();
    // The definition's planning block as is; only the pipeline name is this test's, so its workflow ids are too.
    const definition = nbaDefinition((d) => {
      d.pipeline = `plan${randomUUID().slice(0, 8)}`;
    });
    const planning = loadPlanning(DEFAULT_PIPELINE_DEFINITION_PATH, definition)!;
    const now = Date.now();
    const today = calendarDateIn(definition.timeZone, now);
    const window = planningWindow(planning.config, today);
    if (!window) this.skip(); // today is outside the definition's season: nothing to plan

    // Seeding again inserts nothing the stack already seeded today (a stack started yesterday gains today's last day).
    const again = await ensureSeededSchedule(testBigQuery(), { now });
    assert.equal(again?.table, 'nba_raw.nbac_schedule');
    assert.ok((again?.inserted ?? 0) <= 3, `seeding again inserted ${again?.inserted} games`);
    assert.equal((await ensureSeededSchedule(testBigQuery(), { now }))?.inserted, 0, 'seeding is idempotent');

    // A queue no worker polls: the dates are started, and nothing runs them.
    const planner = createPlanner({ client: env.client, definition, planning, taskQueue: `unpolled-${randomUUID()}`, bigquery: testBigQuery() });
    const result = await planner({ now });
    const fromToday = Array.from({ length: SEED_DAYS_AHEAD + 1 }, (_, i) => addDays(today, i)).filter((d) => isSeededGameDay(d) && d >= window.from && d <= window.to);
    assert.ok(fromToday.length > 0, 'the window holds a seeded game day');
    assert.ok(fromToday.every((d) => result.dates.includes(d)), `planned ${JSON.stringify(result.dates)}, expected at least ${JSON.stringify(fromToday)}`);
    assert.ok(result.dates.every((d) => isSeededGameDay(d) && d >= window.from && d <= window.to), `every planned date is a seeded game day in ${JSON.stringify(window)}`);
    assert.deepEqual(result.ensured, result.dates);
    assert.deepEqual(result.failed, []);
    try {
      for (const date of result.dates) {
        const description = await env.client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, date)).describe();
        assert.equal(description.status.name, 'RUNNING');
        // What the Web UI shows at the top of the date's page.
        assert.equal(await description.staticSummary(), `${definition.pipeline} game date ${date}`);
        assert.match((await description.staticDetails()) ?? '', /Started ahead of time by the planner/);
      }
    } finally {
      for (const date of result.dates) await env.client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, date)).terminate('test finished').catch(() => undefined);
    }
  });

  it('a worker start plans at once: the planner schedule runs when created and when updated, not when paused', async function () {
    const env = await devServerEnv();
    const pipeline = `plan${randomUUID().slice(0, 8)}`;
    const planning = loadPlanning(DEFAULT_PIPELINE_DEFINITION_PATH, nbaDefinition())!;
    const today = calendarDateIn('America/New_York', Date.now());
    if (!planningWindow(planning.config, today)) this.skip();
    const rig = await startWatchdogRig(env, { planning }, pipeline);
    const config = loadWatchdogConfig({ WATCHDOG_PLANNER_EVERY: '1d', WATCHDOG_RECONCILE_EVERY: '1d', WATCHDOG_STUCK_EVERY: '1h', WATCHDOG_HEALTH_EVERY: '1h' });
    const options = { pipeline, taskQueue: rig.taskQueue, config, planning: true };
    const planner = env.client.schedule.getHandle(`${pipeline}-watchdog-planner`);
    const plannerRuns = async () => (await planner.describe()).info.recentActions.length;
    const firstGameDay = [today, addDays(today, 1)].find(isSeededGameDay)!;
    try {
      const created = await ensureWatchdogSchedules(env.client, options);
      assert.deepEqual(created.triggered, [`${pipeline}-watchdog-planner`]);
      await eventually(async () => ((await plannerRuns()) >= 1 ? true : undefined), 'the planner run at creation');
      await eventually(
        async () => ((await env.client.workflow.getHandle(gameDateWorkflowId(pipeline, firstGameDay)).describe().catch(() => null))?.status.name === 'RUNNING' ? true : undefined),
        `the planned date ${firstGameDay}`,
      );
      await eventually(async () => ((await planner.describe()).info.runningActions.length === 0 ? true : undefined), 'the first planner run to finish');
      const updated = await ensureWatchdogSchedules(env.client, options);
      assert.deepEqual(updated.triggered, [`${pipeline}-watchdog-planner`]);
      await eventually(async () => ((await plannerRuns()) >= 2 ? true : undefined), 'the planner run at the second start');
      await planner.pause('maintenance');
      const paused = await ensureWatchdogSchedules(env.client, options);
      assert.deepEqual(paused.triggered, [], "an operator's pause is kept");
    } finally {
      for (const id of watchdogScheduleIds({ pipeline, config, planning: true })) await env.client.schedule.getHandle(id).delete().catch(() => undefined);
      for (const date of [addDays(today, -2), addDays(today, -1), today, addDays(today, 1)]) await env.client.workflow.getHandle(gameDateWorkflowId(pipeline, date)).terminate('test finished').catch(() => undefined);
      await rig.stop();
    }
  });

  it('npm start: the worker process with pipelines/nba.json plans the seeded dates as soon as it is ready', async function () {
    this.timeout(150_000);
    const env = await devServerEnv();
    const definition = nbaDefinition();
    const planning = loadPlanning(DEFAULT_PIPELINE_DEFINITION_PATH, definition)!;
    const today = calendarDateIn(definition.timeZone, Date.now());
    if (!planningWindow(planning.config, today)) this.skip();
    const firstGameDay = [today, addDays(today, 1)].find(isSeededGameDay)!;
    const world = await createWorld();
    const config = loadWatchdogConfig({});
    try {
      // The one test of the run whose worker keeps its watchdog schedules (the e2e kit turns them off).
      await world.startWorker({ WATCHDOGS_ENABLED: '1', WATCHDOG_RECONCILE_EVERY: '1d', WATCHDOG_STUCK_EVERY: '1d', WATCHDOG_HEALTH_EVERY: '1d' });
      const planned = await eventually(async () => {
        const description = await env.client.workflow.getHandle(gameDateWorkflowId('nba', firstGameDay)).describe().catch(() => null);
        return description?.status.name === 'RUNNING' && description.taskQueue === world.taskQueue ? description : undefined;
      }, `nba-game-date-${firstGameDay} started by the worker's planner`, 60_000);
      assert.equal(planned.type, 'gameDateWorkflow');
    } finally {
      for (const id of watchdogScheduleIds({ pipeline: 'nba', config, planning: true })) await env.client.schedule.getHandle(id).delete().catch(() => undefined);
      for (const date of [addDays(today, -2), addDays(today, -1), today, addDays(today, 1)]) await env.client.workflow.getHandle(gameDateWorkflowId('nba', date)).terminate('test finished').catch(() => undefined);
      await world.close();
    }
  });
});
