/**
 * The operator CLI's history commands as subprocesses against the dev server: `replay` passes on the current code
 * and catches an incompatible one; `reset` prints its plan on a dry run and resets for real (signals kept, the
 * trigger decided again with the same trigger id); bad arguments get one line and a non-zero exit.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { PROJECT_ROOT } from '../../local-stack/service-process';
import { gameDateWorkflow } from '../../workflows';
import { completionSignal, statusQuery } from '../../workflows/game-date/messages';
import { gameDateStartOptions } from '../../workflows/game-date/start-options';
import { createDateWorkers, runDateWorkersUntil } from '../../worker/date-workers';
import { workflowFailureErrorTypes } from '../../worker/workflow-failure-policy';
import { runCli } from '../cli-process';
import { uniquePastDate, waitFor } from '../e2e/e2e-kit';
import { devServerEnv } from '../harness';
import { completion, PHASE2 } from '../workflows/completions';
import { RecordingActivities } from '../workflows/recording-activities';
import { workflowBundle } from '../workflows/workflow-test-kit';

const definition = loadPipelineDefinition();

describe('operator CLI: replay and reset', function () {
  this.timeout(75_000);
  const taskQueue = `operator-history-${randomUUID()}`;
  const recorder = new RecordingActivities();
  const gameDate = uniquePastDate();
  let handle: WorkflowHandle;
  let stop: () => void;
  let running: Promise<void>;
  const operator = (...args: string[]) => runCli('operator-cli/main.ts', args, { env: { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue } });

  before(async function () {
    this.timeout(90_000);
    const env = await devServerEnv();
    // The date is a past one, so it starts on the backlog's queue: the workers of both, as the worker process runs them.
    const workers = await createDateWorkers({
      connection: env.nativeConnection,
      taskQueue,
      dates: { workflowBundle: await workflowBundle(), activities: recorder.activities(), workflowFailureErrorTypes },
      triggers: { activities: recorder.activities() },
    });
    let release: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (release = resolve));
    stop = release;
    running = runDateWorkersUntil(workers, stopped);
    const start = gameDateStartOptions(definition, gameDate, { taskQueue, now: Date.now() });
    handle = await env.client.workflow.start(gameDateWorkflow, { ...start, args: [{ ...start.args[0], writeBatchWindowMs: 200 }] });
    for (const name of PHASE2) await handle.signal(completionSignal, completion('phase_2_raw', name, gameDate));
    await waitFor('Phase 2 → 3 triggered', async () => (await handle.query(statusQuery)).transitions[0]?.state === 'triggered');
  });
  after(async function () {
    await handle?.terminate('test finished').catch(() => undefined);
    stop?.();
    await running;
  });

  it('replay: the current code is compatible; a changed workflow is not (exit 1, with the non-determinism error)', async () => {
    const ok = await operator('replay', gameDate);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^compatible: /);

    // The same workflow type, but it starts a timer where the recorded run scheduled its first activity.
    // Inside the project, so the bundler resolves the SDK from this file the way it does for the real workflows.
    const cache = path.join(PROJECT_ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(path.join(cache, 'replay-'));
    try {
      const changed = path.join(dir, 'workflows.js');
      writeFileSync(changed, "exports.gameDateWorkflow = async function gameDateWorkflow() {\n  await new Promise((resolve) => setTimeout(resolve, 1000));\n  return 'done';\n};\n");
      const bad = await operator('replay', gameDate, '--workflows', changed, '--json');
      assert.equal(bad.code, 1, bad.stderr);
      assert.equal(bad.stderr, '', 'the verdict alone');
      assert.doesNotThrow(() => JSON.parse(bad.stdout), bad.stdout);
      const verdict = JSON.parse(bad.stdout) as { compatible: boolean; error: string };
      assert.equal(verdict.compatible, false);
      assert.match(verdict.error, /[Nn]ondeterminism/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reset: a dry run prints the plan and changes nothing; --yes resets, keeping the signals', async () => {
    const { runId } = await handle.describe();
    const dry = await operator('reset', gameDate, '--to', 'last-completion', '--reason', 'check the plan', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`reset .* \\(run ${runId}\\) to event \\d+ \\(last-completion\\)`));
    assert.match(dry.stdout, /activities decided again: .*publishTrigger/);
    assert.match(dry.stdout, /dry run: nothing was reset/);
    assert.equal((await handle.describe()).runId, runId);

    const noPrompt = await operator('reset', gameDate, '--to', 'start', '--reason', 'x');
    assert.equal(noPrompt.code, 2, 'no terminal to ask on, and no --yes');
    assert.match(noPrompt.stderr, /add --yes/);

    const publishedBefore = recorder.published.filter((p) => p.transition === 'phase2_to_phase3').length;
    const reset = await operator('reset', gameDate, '--to', 'start', '--reason', 'redo the date', '--actor', 'alice', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    const newRun = /new run (\S+)/.exec(reset.stdout)?.[1];
    assert.ok(newRun && newRun !== runId, reset.stdout);
    assert.equal((await handle.describe()).runId, newRun);
    // From the first task again: the five signals are re-applied and the trigger is decided again, same trigger id.
    await waitFor('the trigger published again', () => recorder.published.filter((p) => p.transition === 'phase2_to_phase3').length > publishedBefore);
    const ids = new Set(recorder.published.filter((p) => p.transition === 'phase2_to_phase3').map((p) => p.triggerId));
    assert.equal(ids.size, 1);
    assert.equal((await handle.query(statusQuery)).transitions[0]?.completed.length, 5);
  });

  it('rejects bad arguments with one line and a non-zero exit (nothing on stdout)', async () => {
    const bad = [
      ['status'],
      ['status', '2026-01-02', '--from', '2026-01-01'],
      ['status', '--from', '2026-01-02', '--to', '2026-01-01'],
      ['reset', '2026-01-01', '--to', 'yesterday', '--reason', 'x'],
      ['stuck', '--days', 'many'],
    ];
    // Side by side: each is a process start of a few seconds.
    const results = await Promise.all(bad.map((args) => operator(...args)));
    results.forEach((result, i) => {
      const args = bad[i]!.join(' ');
      assert.notEqual(result.code, 0, args);
      assert.equal(result.stderr.trim().split('\n').length, 1, `${args}: ${result.stderr}`);
      assert.equal(result.stdout, '', args);
    });
  });
});
