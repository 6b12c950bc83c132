/**
 * `npm run drift` against real workers on the dev server: a worker built from the expected commit is current, one
 * built from an old commit is stale (with its commit and age), one with a changed pipeline definition is config drift.
 * The history is a small repository of the test's own (commits dated days back), so the figures do not depend on
 * how the project was cloned.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../local-stack/service-process';
import type { DriftReport } from '../../operator-cli/deployment-drift';
import { runCli } from '../cli-process';
import { createWorld, type E2eWorld } from '../e2e/e2e-kit';

const DAY = 86_400_000;

describe('deployment drift (npm run drift)', function () {
  let world: E2eWorld;
  let dir: string;
  let repo: string;
  let first: string;
  let head: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

  before(async function () {
    world = await createWorld();
    dir = mkdtempSync(path.join(tmpdir(), 'drift-'));
    // Three commits, three, two and one day old; the committed definition is the project's.
    repo = path.join(dir, 'repo');
    mkdirSync(path.join(repo, 'pipelines'), { recursive: true });
    git('init', '--quiet', '--initial-branch=main');
    const commit = (daysAgo: number, message: string) => {
      const when = new Date(Date.now() - daysAgo * DAY).toISOString();
      execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '--quiet', '--allow-empty', '-m', message], { cwd: repo, env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } });
      return git('rev-parse', 'HEAD');
    };
    writeFileSync(path.join(repo, 'pipelines', 'nba.json'), readFileSync(path.join(PROJECT_ROOT, 'pipelines', 'nba.json')));
    git('add', '.');
    first = commit(3, 'first');
    commit(2, 'second');
    head = commit(1, 'third');
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
      const { code, stdout, stderr } = await runCli('operator-cli/drift-cli.ts', ['--expected', 'HEAD', '--definition', 'pipelines/nba.json', '--json'], { cwd: repo, env });
      assert.ok(code === 0 || code === 1, stderr);
      return { code, report: JSON.parse(stdout) as DriftReport };
    } finally {
      await worker.process.stop(15_000);
    }
  }

  it('reports a worker built from the expected commit as current, by Temporal and by its /health (exit 0)', async function () {
    const { code, report } = await driftOf({ BUILD_ID: head });
    assert.equal(code, 0, JSON.stringify(report, null, 1));
    assert.equal(report.expected.commit, head);
    // Four task queues (live dates, the backlog, each with its triggers) and the /health.
    assert.deepEqual(report.rows.map((r) => [r.status, r.build]), Array.from({ length: 5 }, () => ['current', head]));
  });

  it("reports a worker built from an old commit as stale, with that commit's time and how far behind it is (exit 1)", async function () {
    const { code, report } = await driftOf({ BUILD_ID: first });
    assert.equal(code, 1);
    const rows = report.rows.filter((r) => r.service.startsWith('worker'));
    assert.equal(rows.length, 5);
    for (const row of rows) {
      assert.equal(row.status, 'stale', JSON.stringify(row));
      assert.equal(row.build, first);
      assert.equal(row.commitTime, new Date(git('show', '-s', '--format=%cI', first)).toISOString());
      assert.equal(row.commitsBehind, 2);
      // Behind since the oldest commit it lacks, two days ago.
      assert.ok(Math.abs((row.hoursBehind ?? 0) - 48) < 0.5, String(row.hoursBehind));
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
