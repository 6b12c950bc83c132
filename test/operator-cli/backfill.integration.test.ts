/**
 * `operator backfill` as a subprocess against the dev server and a real worker: a dry run changes nothing; a run
 * interrupted with SIGINT keeps its checkpoint, and the same command resumes, skipping the dates done.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { PROJECT_ROOT } from '../../local-stack/service-process';
import type { BackfillOutcome, DatePlan, DateResult } from '../../operator-cli/backfill';
import { gameDateWorkflow } from '../../workflows';
import { gameDateWorkflowId, statusQuery } from '../../workflows/game-date/messages';
import { initialState } from '../../workflows/game-date/state';
import { runCli } from '../cli-process';
import { devServerEnv } from '../harness';
import { startWatchdogRig, type WatchdogRig } from '../watchdogs/watchdog-test-kit';
import { cliEnv, pastDates, pipelineFile } from './cli-pipeline';

describe('operator backfill (subprocess, dev server, real worker)', function () {
  this.timeout(90_000);
  let rig: WatchdogRig;
  let env: NodeJS.ProcessEnv;
  let dates: string[];
  let checkpoint: string;
  const [running, closedOpen, unscheduled, closedSettled] = [0, 1, 2, 3];

  const status = async (gameDate: string): Promise<{ status: string; runId: string } | null> => {
    try {
      const d = await rig.client.workflow.getHandle(gameDateWorkflowId(rig.definition.pipeline, gameDate)).describe();
      return { status: d.status.name, runId: d.runId };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };

  before(async () => {
    const temporal = await devServerEnv();
    rig = await startWatchdogRig(temporal);
    dates = pastDates(7);
    const file = pipelineFile(rig.definition, dates.filter((_, i) => i !== unscheduled));
    env = cliEnv(file.path, rig.taskQueue);
    checkpoint = join(file.planning.baseDir, 'checkpoint.json');
    const start = async (i: number, carried?: ReturnType<typeof initialState>) => {
      const handle = await rig.client.workflow.start(gameDateWorkflow, { taskQueue: rig.taskQueue, workflowId: gameDateWorkflowId(rig.definition.pipeline, dates[i]!), args: [{ definition: rig.definition, gameDate: dates[i]!, ...(carried ? { carried } : {}) }] });
      // Answered once its first workflow task completed: a closed run's state is then readable by query.
      await handle.query(statusQuery);
      return handle;
    };
    await start(running);
    await (await start(closedOpen)).terminate('closed before the backfill');
    // Every transition skipped: settled, so the backfill leaves it closed.
    const settled = initialState(rig.definition, dates[closedSettled]!, Date.now());
    for (const t of Object.values(settled.transitions)) t.skipped = { reason: 'test', operator: 'test' };
    await (await start(closedSettled, settled)).terminate('closed settled');
  });

  after(async () => {
    for (const gameDate of dates ?? []) {
      await rig.client.workflow.getHandle(gameDateWorkflowId(rig.definition.pipeline, gameDate)).terminate('test finished').catch(() => undefined);
    }
    await rig?.stop();
  });

  it('a dry run prints each date\'s evidence and action and changes nothing', async () => {
    const before = await Promise.all(dates.map(status));
    const result = await runCli('operator-cli/main.ts', ['backfill', '--from', dates[0]!, '--to', dates[6]!, '--dry-run', '--json', '--checkpoint', checkpoint], { env });
    assert.equal(result.code, 0, result.stderr);
    const plan = (JSON.parse(result.stdout) as { dates: DatePlan[] }).dates;
    assert.deepEqual(plan.map((p) => p.action), ['leave-running', 'reopen', 'skip-not-scheduled', 'skip-settled', 'start', 'start', 'start']);
    assert.deepEqual(plan[closedOpen]!.transitions, rig.definition.transitions.map((t) => t.name));
    assert.match(plan[closedOpen]!.evidence, /terminated; 4 transition\(s\) unsettled/);
    assert.deepEqual(await Promise.all(dates.map(status)), before, 'no workflow started or re-opened');
    assert.equal(existsSync(checkpoint), false, 'a dry run keeps no checkpoint');
  });

  it('an interrupted backfill keeps its checkpoint; the same command resumes and finishes the rest', async () => {
    const runningBefore = await status(dates[running]!);
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'operator-cli/main.ts'), 'backfill', '--from', dates[0]!, '--to', dates[6]!, '--rate', '1', '--checkpoint', checkpoint], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const done = (): Record<string, BackfillOutcome> => (existsSync(checkpoint) ? (JSON.parse(readFileSync(checkpoint, 'utf8')) as { done: Record<string, BackfillOutcome> }).done : {});
    for (let i = 0; i < 300 && Object.keys(done()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const first = done();
    const count = Object.keys(first).length;
    assert.ok(count >= 2 && count < 7, `dates done before the interrupt: ${JSON.stringify(first)}`);
    assert.match(stdout, new RegExp(`Interrupted after ${count} of 7 dates`));
    assert.match(stderr, /Resume with the same command/);

    const resumed = await runCli('operator-cli/main.ts', ['backfill', '--from', dates[0]!, '--to', dates[6]!, '--rate', '20', '--checkpoint', checkpoint, '--json'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`${count} date\\(s\\) already done in .*: skipped`));
    const report = JSON.parse(resumed.stdout) as { interrupted: boolean; counts: Partial<Record<BackfillOutcome, number>>; dates: DateResult[] };
    assert.equal(report.interrupted, false);
    assert.equal(report.counts['skipped-checkpointed'], count);
    const outcomes = Object.fromEntries(report.dates.map((d) => [d.gameDate, d.outcome === 'skipped-checkpointed' ? first[d.gameDate] : d.outcome]));
    assert.deepEqual(dates.map((d) => outcomes[d]), ['left-running', 'reopened', 'skipped-not-scheduled', 'skipped-settled', 'started', 'started', 'started']);

    // Every date of the calendar has a workflow now; the one the calendar does not list still has none.
    const after = await Promise.all(dates.map(status));
    assert.deepEqual(after.map((s) => s?.status ?? null), ['RUNNING', 'RUNNING', null, 'TERMINATED', 'RUNNING', 'RUNNING', 'RUNNING']);
    assert.equal(after[running]?.runId, runningBefore?.runId, 'a running date is left as it is');
    assert.equal(Object.keys(JSON.parse(readFileSync(checkpoint, 'utf8')) as object).length > 0, true);
  });
});
