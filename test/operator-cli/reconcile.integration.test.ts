/**
 * `operator reconcile` as a subprocess: the reconciliation watchdog's own workflow, started on a real worker
 * against the emulators, for a range; a dry run writes and alerts nothing, a real run records and alerts.
 */
import assert from 'node:assert/strict';
import type { ReconcileResult } from '../../workflows/watchdogs/watchdog-contracts';
import { runCli } from '../cli-process';
import { devServerEnv } from '../harness';
import { startWatchdogRig, type WatchdogRig } from '../watchdogs/watchdog-test-kit';
import { cliEnv, pastDates, pipelineFile } from './cli-pipeline';

const operator = (args: string[], env: NodeJS.ProcessEnv) => runCli('operator-cli/main.ts', args, { env });

describe('operator reconcile (subprocess, dev server, real worker)', function () {
  this.timeout(90_000);
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('reconcile: a dry run on a range lists its calendar gaps only, writes and alerts nothing; a real run records and alerts them', async () => {
    const temporal = await devServerEnv();
    const dates = pastDates(5);
    const probe = await startWatchdogRig(temporal);
    const file = pipelineFile(probe.definition, dates);
    await probe.stop();
    // The worker's reconciler reads the same calendar the CLI's definition names.
    const rig: WatchdogRig = await startWatchdogRig(temporal, { planning: file.planning }, probe.definition.pipeline);
    closers.push(() => rig.stop());
    const env = cliEnv(file.path, rig.taskQueue);
    const [, from, middle, to] = dates as [string, string, string, string, string];

    const dry = await operator(['reconcile', '--from', from, '--to', to, '--dry-run', '--json'], env);
    assert.equal(dry.code, 1, `gaps found: exit 1. ${dry.stderr}`);
    const result = JSON.parse(dry.stdout) as ReconcileResult;
    assert.equal(result.dryRun, true);
    assert.deepEqual(result.details.map((d) => [d.gameDate, d.kind, d.repaired]), [from, middle, to].map((d) => [d, 'calendar_date_unrecorded', false]));
    const table = await operator(['reconcile', '--from', from, '--to', from, '--dry-run'], env);
    assert.match(table.stdout, new RegExp(`${from}\\s+│ -\\s+│ calendar_date_unrecorded\\s+│ no`));
    assert.match(table.stdout, /Dry run: nothing was written or alerted\./);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(rig.received().map((a) => a.title), [], 'a dry run alerts nothing');

    const real = await operator(['reconcile', '--from', from, '--to', from, '--json'], env);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual((JSON.parse(real.stdout) as ReconcileResult).details.map((d) => [d.gameDate, d.repaired]), [[from, true]]);
    const alert = await rig.waitForAlert((a) => a.game_date === from, `the gap ${from}`);
    assert.equal(alert.dedup_key, `${rig.definition.pipeline}:${from}:reconcile:calendar_date_unrecorded`);
    const again = await operator(['reconcile', '--from', from, '--to', from, '--dry-run', '--json'], env);
    assert.deepEqual((JSON.parse(again.stdout) as ReconcileResult).details, [], 'recorded once: the next run finds its log row');
  });
});
