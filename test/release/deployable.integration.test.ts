/**
 * The deployable (`npm run package`) runs on its own: compiled JavaScript, production dependencies only, the
 * prebuilt workflow bundle, started from its own directory against the run's stack, and a day of completions
 * turned into the Phase 3 trigger by it.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnService, type ServiceProcess } from '../../local-stack/service-process';
import { packageDeployable } from '../../release/package';
import { niceOfThread } from '../worker/thread-nice';
import { completionBody, createWorld, freePort, PHASE2_CLASSES, uniquePastDate, waitFor, type E2eWorld } from '../e2e/e2e-kit';

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    yield file;
    if (lstatSync(file).isDirectory()) yield* walk(file);
  }
}

describe('the deployable (npm run package)', function () {
  let out: string;
  let world: E2eWorld;
  const services: ServiceProcess[] = [];

  before(async function () {
    this.timeout(300_000);
    out = mkdtempSync(path.join(tmpdir(), 'deployable-'));
    await packageDeployable(out);
    world = await createWorld();
  });

  after(async function () {
    await Promise.allSettled(services.map((s) => s.stop(15_000)));
    await world?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('holds compiled code and production dependencies only, without symlinks', () => {
    const files = [...walk(out)].map((file) => path.relative(out, file));
    assert.deepEqual(files.filter((file) => lstatSync(path.join(out, file)).isSymbolicLink()), []);
    assert.deepEqual(files.filter((file) => !file.startsWith('node_modules') && file.endsWith('.ts')), []);
    for (const devOnly of ['typescript', 'tsx', 'mocha', 'eslint', 'pino-pretty']) assert.ok(!files.includes(path.join('node_modules', devOnly)), `${devOnly} is not deployed`);
    for (const needed of ['worker/main.js', 'bridge/main.js', 'workflows/workflow-bundle.js', 'pipelines/nba.json', 'node_modules/@temporalio/worker']) assert.ok(files.includes(needed), needed);
    assert.ok(!files.some((file) => /^(local-stack|bench|test|release)\//.test(file)), 'no tooling in the deployable');
  });

  it('starts worker and bridge from its own directory and turns a day of completions into the Phase 3 trigger', async function () {
    const start = async (name: 'worker' | 'bridge', extra: NodeJS.ProcessEnv) => {
      const service = spawnService(name, `${name}/main.js`, world.serviceEnv(extra), undefined, out);
      services.push(service);
      return { pid: service.pid, ready: await service.waitForLine(/\bready:/, 90_000) };
    };
    const worker = await start('worker', { WORKER_HEALTH_PORT: String(await freePort()), WORKER_TEMPORAL_METRICS_PORT: String(await freePort()) });
    assert.match(worker.ready, /"workflow_bundle":"prebuilt"/);
    assert.match(worker.ready, /"backlog_thread_nice":10\b/);
    // The compiled preload lowers the backlog's workflow thread (WORKER_BACKLOG_THREAD_NICE, 10) and no other thread.
    const nices = readdirSync(`/proc/${worker.pid}/task`).map((task) => niceOfThread(`/proc/${worker.pid}/task/${task}/stat`));
    assert.deepEqual(nices.filter((n) => n !== 0), [10], `thread nice values: ${nices.join(' ')}`);
    await start('bridge', { BRIDGE_HEALTH_PORT: String(await freePort()) });

    const gameDate = uniquePastDate();
    for (const name of PHASE2_CLASSES) await world.publish('nba-phase2-raw-complete', completionBody('phase_2_raw', name, gameDate));
    await waitFor('the Phase 3 trigger', () => world.reader('nba-phase3-trigger').forDate(gameDate).length === 1, 60_000);
  });
});
