/**
 * `npm run bench -- --quick` end to end, as a subprocess: it starts its own stack, worker and bridge,
 * and must produce a well-formed report. The figures themselves are read by people, not asserted.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchReportSchema } from '../../bench/report';

const ROOT = path.resolve(__dirname, '..', '..');

describe('npm run bench -- --quick', function () {
  this.timeout(150_000);
  let out: string;

  before(() => {
    out = mkdtempSync(path.join(tmpdir(), 'bench-quick-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('runs a 3-date season through Pub/Sub, bridge, workflows and triggers and writes a well-formed report', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(process.execPath, ['--require', 'tsx/cjs', '--require', './worker/workflow-stack-traces.ts', 'bench/run.ts', '--quick', '--out', out], { cwd: ROOT, maxBuffer: 16 * 2 ** 20, timeout: 140_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}\n${stderr}` }),
      );
      child.stdin?.end();
    });
    assert.equal(code, 0, `bench --quick failed:\n${output.slice(-4_000)}`);

    const report = benchReportSchema.parse(JSON.parse(readFileSync(path.join(out, 'latest-quick.json'), 'utf8')));
    assert.equal(report.quick, true);
    assert.equal(report.sizes.length, 1);
    const [size] = report.sizes;
    assert.equal(size?.dates, 3);
    // The cache-miss replays run as the worker does, without the promise-stack capture (the npm script's preload).
    assert.equal(size?.cacheMiss?.stackTraces, 'off');
    // Each paced trigger's latency is also summarised per transition, keyed by the pipeline's transition names.
    const perTransition = size?.paced.breakdown.perTransition ?? {};
    assert.ok(Object.keys(perTransition).length > 0, 'latency per transition');
    for (const [transition, summary] of Object.entries(perTransition)) {
      assert.match(transition, /^phase\d_to_phase\d$/);
      assert.ok(summary.count > 0 && summary.p99 !== null, `${transition} has timed triggers`);
    }
    assert.match(output, /\| dates \| messages \| ingest\/s/, 'the table is printed');
  });
});
