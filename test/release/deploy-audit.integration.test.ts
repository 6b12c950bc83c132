/**
 * The deploy audit on a real deployable: clean as packaged; a deployable that lost a shared module is rejected
 * with the file and the import named, and a worker started from it anyway stops at once with one line.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnService } from '../../local-stack/service-process';
import { auditDeployable, unregisteredActivities } from '../../release/audit';
import { packageDeployable } from '../../release/package';
import { registeredActivityNames } from '../../release/registered-activities';
import { createWorld, freePort, waitFor, type E2eWorld } from '../e2e/e2e-kit';

describe('deploy audit (npm run audit:deploy)', function () {
  let root: string;
  let good: string;
  let world: E2eWorld;

  before(async function () {
    this.timeout(300_000);
    root = mkdtempSync(path.join(tmpdir(), 'deploy-audit-'));
    good = await packageDeployable(path.join(root, 'good'));
    world = await createWorld();
  });

  after(async function () {
    await world?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function copy(name: string): string {
    const dir = path.join(root, name);
    cpSync(good, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }

  it('finds nothing wrong with the deployable as packaged', () => {
    assert.deepEqual(auditDeployable(good, registeredActivityNames()), []);
  });

  it('rejects a deployable that lost a shared module, naming the file and the import; a worker started from it stops at once with one line, and the bridge alerts that no worker polls', async function () {
    this.timeout(180_000);
    // The bridge of a good deployable, watching a task queue that only the broken worker would poll.
    const taskQueue = `audit-${Math.random().toString(36).slice(2, 10)}`;
    const bridgePort = await freePort();
    const bridge = spawnService('bridge', 'bridge/main.js', world.serviceEnv({ TEMPORAL_TASK_QUEUE: taskQueue, BRIDGE_HEALTH_PORT: String(bridgePort), WATCHDOG_WORKER_POLL_SECONDS: '75', WATCHDOG_CHECK_SECONDS: '5' }), undefined, good);
    await bridge.waitForLine(/\bready:/, 60_000);
    const broken = copy('missing-module');
    rmSync(path.join(broken, 'service', 'startup.js'));
    const problems = auditDeployable(broken, registeredActivityNames());
    assert.ok(problems.some((p) => p.file === path.join('worker', 'main.js') && p.problem === "require('../service/startup') does not resolve from the deployable"), JSON.stringify(problems));

    const worker = spawnService('worker', 'worker/main.js', world.serviceEnv({ TEMPORAL_TASK_QUEUE: taskQueue, WORKER_HEALTH_PORT: String(await freePort()), WORKER_TEMPORAL_METRICS_PORT: String(await freePort()) }), undefined, broken);
    const { code } = await worker.exited;
    assert.equal(code, 1);
    const lines = worker.output.filter((line) => line.trim() !== '');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /"worker cannot start: a module of the deployable is missing: Cannot find module '[./a-z]*startup' \(required by (worker|service)\/[a-z-]+\.js\)"/);

    try {
      const alert = await waitFor('the bridge\'s no-worker alert', () => world.sink.alerts.find((a) => a.title === `No worker is polling ${taskQueue}`), 120_000);
      assert.equal(alert.severity, 'critical');
    } finally {
      await bridge.stop(15_000);
    }
  });

  it('rejects a symlink, a hard-coded host, path or project id, a missing /health and an unregistered activity', () => {
    const bad = copy('bad');
    symlinkSync(path.join('..', 'pipelines', 'nba.json'), path.join(bad, 'contract', 'linked.json'));
    // The mistake the audit is for: a path of the machine that built the deployable, written into its code.
    const buildMachinePath = path.join(bad, 'pipelines', 'nba.json');
    writeFileSync(path.join(bad, 'contract', 'hard-coded.js'), `exports.a = 'https://pubsub.googleapis.com/v1/projects/nba-prod-123/topics/x'; exports.b = ${JSON.stringify(buildMachinePath)};\n`);
    writeFileSync(path.join(bad, 'bridge', 'main.js'), "require('./completion-bridge');\n");
    const problems = auditDeployable(bad, registeredActivityNames()).map((p) => `${p.file}: ${p.problem}`);
    for (const expected of [
      `${path.join('contract', 'linked.json')}: is a symlink`,
      `${path.join('contract', 'hard-coded.js')}: hard-coded host https://pubsub.googleapis.com/v1/projects/nba-prod-123/topics/x`,
      `${path.join('contract', 'hard-coded.js')}: hard-coded project id in https://pubsub.googleapis.com/v1/projects/nba-prod-123/topics/x`,
      `${path.join('contract', 'hard-coded.js')}: hard-coded absolute path ${buildMachinePath}`,
      'bridge/main.js: starts no /health server',
    ]) assert.ok(problems.includes(expected), `${expected}\nin\n${problems.join('\n')}`);
    const names = registeredActivityNames();
    names.delete('publishTrigger');
    assert.deepEqual(unregisteredActivities(names).map((p) => p.problem), ['calls activity publishTrigger, which no worker registers']);
  });
});
