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
import { devServerEnv } from '../harness';
import { testBigQuery } from '../activities/activity-test-env';
import { nbaDefinition } from '../workflows/workflow-test-kit';

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
      for (const date of result.dates) assert.equal((await env.client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, date)).describe()).status.name, 'RUNNING');
    } finally {
      for (const date of result.dates) await env.client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, date)).terminate('test finished').catch(() => undefined);
    }
  });
});
