/** The operator CLI as a real subprocess against the dev server: readable status, recorded commands, one-line errors. */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { runCli } from '../cli-process';
import { devServerEnv, testStack } from '../harness';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { gameDateWorkflow } from '../../workflows';
import { completionSignal, gameDateWorkflowId, statusQuery } from '../../workflows/game-date/messages';
import { createTriggerWorker } from '../../worker/trigger-worker';
import { workflowFailureErrorTypes } from '../../worker/workflow-failure-policy';
import { completion, PHASE2 } from '../workflows/completions';
import { RecordingActivities } from '../workflows/recording-activities';
import { workflowBundle } from '../workflows/workflow-test-kit';

const operator = (...args: string[]) => runCli('operator-cli/main.ts', args);

describe('operator CLI', function () {
  this.timeout(120_000);

  it('rejects a bad argument with one line and a non-zero exit', async () => {
    for (const args of [['status', '2026-13-01'], ['skip', '2026-01-15', 'phase9_to_phase10', '--reason', 'x'], ['force', '2026-01-15', 'phase2_to_phase3']]) {
      const result = await operator(...args);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('shows a date, applies a skip, and reports a rejected force in one line', async () => {
    assert.ok(testStack().temporalAddress);
    const env = await devServerEnv();
    const definition = loadPipelineDefinition();
    const gameDate = `19${randomInt(10, 99)}-0${randomInt(1, 9)}-1${randomInt(0, 9)}`;
    const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
    const taskQueue = `operator-${randomUUID()}`;
    const recorder = new RecordingActivities();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: recorder.activities(), workflowFailureErrorTypes });
    const triggerWorker = await createTriggerWorker({ connection: env.nativeConnection, taskQueue, activities: recorder.activities() });
    await worker.runUntil(triggerWorker.runUntil(async () => {
      const handle = await env.client.workflow.start(gameDateWorkflow, { taskQueue, workflowId, args: [{ definition, gameDate }], workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
      try {
        for (const name of PHASE2) await handle.signal(completionSignal, completion('phase_2_raw', name, gameDate));
        for (let i = 0; i < 100 && (await handle.query(statusQuery)).currentPhase !== 'phase3_to_phase4'; i++) await new Promise((r) => setTimeout(r, 100));

        const status = await operator('status', gameDate);
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stdout, /current phase: phase3_to_phase4/);
        assert.match(status.stdout, /phase2_to_phase3\s+triggered/);
        assert.match(status.stdout, /Web UI: http/);

        const skip = await operator('skip', gameDate, 'phase5_to_phase6', '--reason', 'no export for this date', '--operator', 'oncall');
        assert.equal(skip.code, 0, skip.stderr);
        assert.match(skip.stdout, /skipped/);
        assert.deepEqual((await handle.query(statusQuery)).operatorActions.map((a) => [a.action, a.operator, a.reason]), [['skip', 'oncall', 'no export for this date']]);

        const force = await operator('force', gameDate, 'phase2_to_phase3', '--reason', 'again');
        assert.notEqual(force.code, 0);
        assert.match(force.stderr, /^operator: rejected: .*already triggered/);
        assert.equal(force.stderr.trim().split('\n').length, 1);
      } finally {
        await handle.terminate('test finished');
      }
    }));
  });
});
