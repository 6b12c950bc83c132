/**
 * Reconciliation against the whole planning calendar (dev server, emulators, real worker): a past calendar date
 * with no workflow and no phase_execution_log row of the pipeline is a gap, alerted under a per-date dedup key
 * and recorded once (an `unrecorded` log row), so the next run is quiet. File and BigQuery calendars.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PHASE_EXECUTION_LOG_TABLE, PHASE_EXECUTION_LOG_VIEW } from '../../activities/bigquery-schema';
import { parsePlanning, addDays } from '../../watchdogs/planning';
import { gameDateWorkflow, reconciliationWorkflow } from '../../workflows';
import { gameDateWorkflowId } from '../../workflows/game-date/messages';
import type { ReconcileResult } from '../../workflows/watchdogs/watchdog-contracts';
import { devServerEnv } from '../harness';
import { testBigQuery, testDataset } from '../activities/activity-test-env';
import { nbaDefinition } from '../workflows/workflow-test-kit';
import { planningWith, startWatchdogRig, type WatchdogRig } from './watchdog-test-kit';

/** `count` consecutive dates in the 1960s nobody else in the run uses. */
function pastDates(count: number): string[] {
  const start = addDays('1960-01-01', Math.floor(Math.random() * 3_000));
  return Array.from({ length: count }, (_, i) => addDays(start, i));
}

async function insertLogRow(gameDate: string, rowKey: string | null): Promise<void> {
  await testBigQuery().query({
    query: `INSERT INTO \`${testDataset()}.${PHASE_EXECUTION_LOG_TABLE}\` (game_date, phase_name, status, row_key) VALUES (CAST(@d AS DATE), 'phase2_to_phase3', 'complete', @k)`,
    params: { d: gameDate, k: rowKey },
    types: { d: 'STRING', k: 'STRING' },
  });
}

async function unrecordedRows(pipeline: string, dates: string[]): Promise<string[]> {
  const [rows] = await testBigQuery().query({
    query: `SELECT CAST(game_date AS STRING) AS game_date FROM \`${testDataset()}.${PHASE_EXECUTION_LOG_VIEW}\` WHERE status = 'unrecorded' AND STARTS_WITH(row_key, @p) AND CAST(game_date AS STRING) IN UNNEST(@dates)`,
    params: { p: `${pipeline}:`, dates },
    types: { p: 'STRING', dates: ['STRING'] },
  });
  return (rows as { game_date: string }[]).map((r) => r.game_date).sort();
}

function gapsOf(result: ReconcileResult): { date: string; recorded: boolean }[] {
  return result.details.filter((d) => d.kind === 'calendar_date_unrecorded').map((d) => ({ date: d.gameDate, recorded: d.repaired }));
}

describe('reconciliation of the whole calendar (dev server, emulators, real worker)', function () {
  this.timeout(120_000);
  const rigs: WatchdogRig[] = [];
  after(async () => {
    for (const rig of rigs) await rig.stop();
  });

  const reconcile = async (rig: WatchdogRig, extra: { dryRun?: boolean; maxAlerts?: number } = {}): Promise<ReconcileResult> => {
    const env = await devServerEnv();
    return env.client.workflow.execute(reconciliationWorkflow, { taskQueue: rig.taskQueue, workflowId: `reconcile-${randomUUID()}`, args: [{ pipeline: rig.definition.pipeline, ...extra }] });
  };

  it('file calendar: gaps are alerted per date in a dry run without a write, then alerted and recorded once, a cap at a time', async () => {
    const env = await devServerEnv();
    const [withWorkflow, oldRow, otherPipeline, nothingA, nothingB] = pastDates(5) as [string, string, string, string, string];
    const future = '2999-06-01';
    const pipeline = `cal${randomUUID().slice(0, 8)}`;
    const planning = planningWith(nbaDefinition(), [withWorkflow, oldRow, otherPipeline, nothingA, nothingB, future], {});
    const rig = await startWatchdogRig(env, { planning }, pipeline);
    rigs.push(rig);

    // A date whose workflow visibility knows, a row from before this orchestrator (no row_key), another pipeline's row.
    const handle = await env.client.workflow.start(gameDateWorkflow, { taskQueue: rig.taskQueue, workflowId: gameDateWorkflowId(pipeline, withWorkflow), args: [{ definition: rig.definition, gameDate: withWorkflow }] });
    await insertLogRow(oldRow, null);
    await insertLogRow(otherPipeline, `other${randomUUID().slice(0, 6)}:${otherPipeline}:phase2_to_phase3:date:0:complete`);
    const expected = [otherPipeline, nothingA, nothingB];

    try {
      const dry = await reconcile(rig, { dryRun: true });
      assert.deepEqual(gapsOf(dry), expected.map((date) => ({ date, recorded: false })));
      assert.equal(dry.calendar?.dates, 5, 'every past date of the calendar, not the future one');
      assert.equal(dry.calendar?.unrecorded, 3);
      assert.deepEqual(await unrecordedRows(pipeline, expected), [], 'a dry run writes nothing');
      for (const date of expected) {
        const alert = await rig.waitForAlert((a) => a.game_date === date && a.dedup_key === `${pipeline}:${date}:reconcile:calendar_date_unrecorded`, `the gap ${date}`);
        assert.equal(alert.severity, 'error');
        assert.match(alert.title, new RegExp(`No record of ${date}`));
      }

      // Two alerts a run: the first two gaps are alerted and recorded, the third waits for the next run.
      const first = await reconcile(rig, { maxAlerts: 2 });
      assert.deepEqual(gapsOf(first), [{ date: otherPipeline, recorded: true }, { date: nothingA, recorded: true }, { date: nothingB, recorded: false }]);
      assert.deepEqual(await unrecordedRows(pipeline, expected), [otherPipeline, nothingA]);
      await rig.waitForAlert((a) => /Reconciliation of .*: 3 discrepancies/.test(a.title) && /3 never recorded, 2 alerted this run/.test(a.text), 'the summary');
      const second = await reconcile(rig, { maxAlerts: 2 });
      assert.deepEqual(gapsOf(second), [{ date: nothingB, recorded: true }]);
      const third = await reconcile(rig);
      assert.deepEqual(gapsOf(third), [], 'every gap recorded: the next run is quiet');
      assert.equal(third.calendar?.unrecorded, 0);
      assert.deepEqual(await unrecordedRows(pipeline, expected), expected);
      // Each gap: one alert in the dry run and one when it was recorded, none after.
      for (const date of expected) assert.equal(rig.received().filter((a) => a.dedup_key === `${pipeline}:${date}:reconcile:calendar_date_unrecorded`).length, 2, date);
    } finally {
      await handle.terminate('test finished');
    }
  });

  it('BigQuery calendar: one query over every past date of the table, gaps recorded once', async () => {
    const env = await devServerEnv();
    const [logged, gap, gapToo] = pastDates(3) as [string, string, string];
    const pipeline = `cal${randomUUID().slice(0, 8)}`;
    const table = `calendar_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const bigquery = testBigQuery();
    // The stack created nba_raw for the default definition's schedule table.
    const dataset = bigquery.dataset('nba_raw');
    await dataset.createTable(table, { schema: { fields: [{ name: 'game_id', type: 'STRING' }, { name: 'game_date', type: 'DATE' }] } });
    // Two games on one date: one date of the calendar.
    await dataset.table(table).insert([
      { game_id: 'a', game_date: logged },
      { game_id: 'b', game_date: gap },
      { game_id: 'c', game_date: gap },
      { game_id: 'd', game_date: gapToo },
      { game_id: 'e', game_date: '2999-06-01' },
    ]);
    await insertLogRow(logged, `${pipeline}:${logged}:phase2_to_phase3:date:0:complete`);
    const planning = { config: parsePlanning({ season: { start: '2026-10-20', end: '2027-06-20' }, calendar: { kind: 'bigquery', dataset: 'nba_raw', table }, expectations: {} }, nbaDefinition()), baseDir: '.' };
    const rig = await startWatchdogRig(env, { planning }, pipeline);
    rigs.push(rig);

    const first = await reconcile(rig);
    assert.equal(first.calendar?.source, `bigquery nba_raw.${table}`);
    assert.equal(first.calendar?.dates, 3, 'past seasons too: the season bounds only the planner');
    assert.deepEqual(gapsOf(first), [{ date: gap, recorded: true }, { date: gapToo, recorded: true }]);
    await rig.waitForAlert((a) => a.dedup_key === `${pipeline}:${gap}:reconcile:calendar_date_unrecorded`, 'the gap');
    const again = await reconcile(rig);
    assert.deepEqual(gapsOf(again), []);
    assert.deepEqual(await unrecordedRows(pipeline, [logged, gap, gapToo]), [gap, gapToo]);
  });
});
