/**
 * `npm run drift` against real workers on the dev server: a worker built from the expected commit is current, one
 * built from an old commit is stale (with its commit and age), one with a changed pipeline definition is config drift.
 */
import assert from 'node:assert/strict';
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../local-stack/service-process';
import type { DriftReport } from '../../operator-cli/deployment-drift';
import { createWorld, type E2eWorld } from '../e2e/e2e-kit';

const execFile = promisify(execFileCb);
const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();

describe('deployment drift (npm run drift)', function () {
  let world: E2eWorld;
  let dir: string;
  const head = git('rev-parse', 'HEAD');
  const first = git('rev-list', '--max-parents=0', 'HEAD').split('\n').pop() ?? '';

  before(async function () {
    world = await createWorld();
    dir = mkdtempSync(path.join(tmpdir(), 'drift-'));
  });
  after(async function () {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a worker on its own task queue and runs the drift command against that queue and its /health. */
  async function driftOf(workerEnv: NodeJS.ProcessEnv): Promise<{ code: number; report: DriftReport }> {
    const taskQueue = `drift-${Math.random().toString(36).slice(2, 10)}`;
    const worker = await world.startWorker({ TEMPORAL_TASK_QUEUE: taskQueue, WATCHDOGS_ENABLED: '0', ...workerEnv });
    const env = world.serviceEnv({ TEMPORAL_TASK_QUEUE: taskQueue, WATCHDOG_HEALTH_URLS: `worker=http://127.0.0.1:${worker.healthPort}/health` });
    try {
      const { stdout } = await execFile('npx', ['tsx', 'operator-cli/drift-cli.ts', '--expected', 'HEAD', '--json'], { cwd: PROJECT_ROOT, env, timeout: 60_000 });
      return { code: 0, report: JSON.parse(stdout) as DriftReport };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      assert.equal(failed.code, 1, failed.stderr);
      return { code: failed.code, report: JSON.parse(failed.stdout) as DriftReport };
    } finally {
      await worker.process.stop(15_000);
    }
  }

  it('reports a worker built from the expected commit as current, by Temporal and by its /health (exit 0)', async function () {
    const { code, report } = await driftOf({ BUILD_ID: head });
    assert.equal(code, 0, JSON.stringify(report, null, 1));
    assert.equal(report.expected.commit, head);
    assert.deepEqual(report.rows.map((r) => [r.status, r.build]), [['current', head], ['current', head], ['current', head]]);
  });

  it("reports a worker built from an old commit as stale, with that commit's time and how far behind it is (exit 1)", async function () {
    const { code, report } = await driftOf({ BUILD_ID: first });
    assert.equal(code, 1);
    const rows = report.rows.filter((r) => r.service.startsWith('worker'));
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.status, 'stale', JSON.stringify(row));
      assert.equal(row.build, first);
      assert.equal(row.commitTime, new Date(git('show', '-s', '--format=%cI', first)).toISOString());
      assert.equal(row.commitsBehind, Number(git('rev-list', '--count', `${first}..HEAD`)));
      assert.ok((row.hoursBehind ?? 0) > 24);
    }
  });

  it('reports a worker whose pipeline definition differs from the committed one as config drift (exit 1)', async function () {
    const changed = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'pipelines', 'nba.json'), 'utf8')) as { quietPeriodMinutes: number };
    changed.quietPeriodMinutes += 1;
    const file = path.join(dir, 'nba.json');
    writeFileSync(file, JSON.stringify(changed, null, 2));
    const { code, report } = await driftOf({ BUILD_ID: head, PIPELINE_DEFINITION: file });
    assert.equal(code, 1);
    const health = report.rows.find((r) => r.service.startsWith('worker (http'));
    assert.equal(health?.status, 'current');
    assert.match(health?.configDrift ?? '', /pipeline definition differs from pipelines\/nba\.json/);
  });
});
