/**
 * The operator CLI's lifecycle commands as subprocesses against the local stack and a real worker process: a
 * range as one table (running, closed and missing dates), a force that re-opens a closed date from its final state
 * and triggers, and a `phase_execution_log` row with actor and reason for every command.
 */
import assert from 'node:assert/strict';
import { BigQuery } from '@google-cloud/bigquery';
import type { Client } from '@temporalio/client';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { completionSignal, GAME_DATE_WORKFLOW_TYPE, statusQuery } from '../../workflows/game-date/messages';
import { gameDateStartOptions } from '../../workflows/game-date/start-options';
import type { StuckDate } from '../../operator-cli/commands/stuck-command';
import type { DateRun } from '../../operator-cli/date-runs';
import { runCli } from '../cli-process';
import { createWorld, uniquePastDate, waitFor, type E2eWorld } from '../e2e/e2e-kit';
import { devServerEnv } from '../harness';
import { completion, PHASE2 } from '../workflows/completions';

const definition = loadPipelineDefinition();

function nextDay(date: string, days = 1): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('operator CLI: a date from start to re-opened', function () {
  this.timeout(90_000);
  let world: E2eWorld;
  let client: Client;
  let bigquery: BigQuery;
  const operator = (...args: string[]) => runCli('operator-cli/main.ts', args, { env: world.serviceEnv() });

  before(async function () {
    this.timeout(150_000);
    world = await createWorld();
    await world.startWorker();
    client = (await devServerEnv()).client;
    bigquery = new BigQuery({ projectId: world.endpoints.projectId, apiEndpoint: world.endpoints.bigqueryApiEndpoint });
  });
  after(async function () {
    this.timeout(60_000);
    await world?.close();
  });

  /** Starts a date the way the bridge does and signals these Phase 2 processors; waits until it applied them. */
  async function dateWith(gameDate: string, processors: string[]) {
    const start = gameDateStartOptions(definition, gameDate, { taskQueue: world.taskQueue, now: Date.now() });
    await client.workflow.signalWithStart(GAME_DATE_WORKFLOW_TYPE, { ...start, signal: completionSignal, signalArgs: [completion('phase_2_raw', processors[0]!, gameDate)] });
    const handle = client.workflow.getHandle(start.workflowId);
    for (const name of processors.slice(1)) await handle.signal(completionSignal, completion('phase_2_raw', name, gameDate));
    await waitFor('the completions applied', async () => (await handle.query(statusQuery)).transitions[0]!.completed.length === processors.length);
    return handle;
  }

  async function logRows(gameDate: string): Promise<{ status: string; metadata: Record<string, unknown> }[]> {
    const [rows] = await bigquery.query({
      query: `SELECT status, TO_JSON_STRING(metadata) AS metadata FROM \`${world.endpoints.bigqueryDataset}.phase_execution_log_unique\` WHERE game_date = CAST(@d AS DATE)`,
      params: { d: gameDate },
    });
    return (rows as { status: string; metadata: string }[]).map((r) => ({ status: r.status, metadata: JSON.parse(r.metadata) as Record<string, unknown> }));
  }

  it('shows a range as one table: a running date, a date with no workflow and a closed one', async () => {
    const first = uniquePastDate();
    await dateWith(first, PHASE2);
    const closed = await dateWith(nextDay(first, 2), PHASE2.slice(0, 3));
    await closed.terminate('test: closed date');

    const table = await operator('status', '--from', first, '--to', nextDay(first, 2));
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    assert.ok(lines.every((line) => line.length <= 120), `wider than 120 columns:\n${table.stdout}`);
    assert.ok(!table.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
    assert.equal(table.stdout.match(/┌/g)?.length, 1, 'one table');
    const row = (date: string) => lines.find((line) => line.includes(date)) ?? '';
    assert.match(row(first), /running.*2→3 triggered/);
    assert.match(row(nextDay(first)), /no workflow/);
    assert.match(row(nextDay(first, 2)), /closed .*2→3 waiting/);
    assert.match(table.stdout, /\(terminated\)/);
    assert.match(table.stdout, /p2_nbacom_gamebook_pdf/, 'missing processors of the closed date');

    const json = await operator('status', '--from', first, '--to', nextDay(first, 2), '--json');
    const runs = JSON.parse(json.stdout) as DateRun[];
    assert.deepEqual(runs.map((r) => [r.gameDate, r.execution, r.runStatus]), [[first, 'running', 'RUNNING'], [nextDay(first), 'none', null], [nextDay(first, 2), 'closed', 'TERMINATED']]);
    assert.equal(runs[2]?.status?.transitions[0]?.state, 'waiting');
    assert.ok(runs[0]?.status?.nextDeadline, 'a running date names its next deadline');
    assert.equal(runs[2]?.status?.nextDeadline, null, 'a closed date does nothing on its own');

    // Terminated within its 10 s write window (a backlog date): its writes never landed.
    const stuck = await operator('stuck', '--json');
    assert.equal(stuck.code, 0, stuck.stderr);
    const closedEntry = (JSON.parse(stuck.stdout) as StuckDate[]).find((s) => s.gameDate === nextDay(first, 2));
    assert.deepEqual(closedEntry?.reasons, ['closed with pending writes']);
    assert.equal(closedEntry?.execution, 'closed');
  });

  it('forces a closed date (re-opened from its final state), then re-arms and skips, each with a log row carrying actor and reason', async () => {
    const gameDate = uniquePastDate();
    const closed = await dateWith(gameDate, PHASE2.slice(0, 4));
    await closed.terminate('test: closed date');
    assert.match((await operator('status', gameDate)).stdout, /closed \(terminated\)/);

    const force = await operator('force', gameDate, 'phase2_to_phase3', '--reason', 'gamebook will not come', '--actor', 'alice');
    assert.equal(force.code, 0, force.stderr);
    assert.match(force.stdout, /re-opened \(run .*from the final state of run/);
    assert.match(force.stdout, /phase2_to_phase3 triggered/);
    const trigger = await waitFor('the forced Phase 3 trigger', () => world.reader('nba-phase3-trigger').forDate(gameDate)[0]);
    assert.equal(trigger.data.upstream_processors_count, 4, 'the re-opened run kept the four completions of the closed one');

    // Settled now: the re-opened run rejects a second force with the workflow's own reason.
    const again = await operator('force', gameDate, 'phase2_to_phase3', '--reason', 'again');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^operator: rejected: .*already triggered/);

    const rearm = await operator('rearm', gameDate, 'phase2_to_phase3', '--reason', 'phase 3 lost the trigger', '--actor', 'bob');
    assert.equal(rearm.code, 0, rearm.stderr);
    assert.doesNotMatch(rearm.stdout, /re-opened/);
    const skip = await operator('skip', gameDate, 'phase5_to_phase6', '--reason', 'no export today', '--operator', 'carol');
    assert.equal(skip.code, 0, skip.stderr);

    const rows = await waitFor('the three operator rows', async () => {
      const found = (await logRows(gameDate)).filter((r) => ['forced', 'rearmed', 'skipped'].includes(r.status));
      return found.length >= 3 && found;
    }, 45_000);
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.metadata]));
    assert.deepEqual([byStatus.forced?.operator, byStatus.forced?.operator_reason], ['alice', 'gamebook will not come']);
    assert.deepEqual([byStatus.rearmed?.operator, byStatus.rearmed?.operator_reason, byStatus.rearmed?.generation], ['bob', 'phase 3 lost the trigger', 1]);
    assert.deepEqual([byStatus.skipped?.operator, byStatus.skipped?.operator_reason], ['carol', 'no export today']);
    const status = await client.workflow.getHandle(gameDateStartOptions(definition, gameDate, { taskQueue: world.taskQueue, now: 0 }).workflowId).query(statusQuery);
    assert.deepEqual(status.operatorActions.map((a) => [a.action, a.operator]), [['force', 'alice'], ['rearm', 'bob'], ['skip', 'carol']]);
  });
});
