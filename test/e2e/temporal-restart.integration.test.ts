/**
 * Temporal itself restarts (its SQLite file kept): every date's state survives, and worker and bridge carry
 * on without a restart of their own. The test runs a dedicated dev server, so the shared one stays untouched.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Firestore } from '@google-cloud/firestore';
import { Client, Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../../local-stack/search-attributes';
import { TEMPORAL_DEV_SERVER_CONFIG } from '../../local-stack/services';
import { loadToolPaths } from '../../local-stack/tools';
import { gameDateWorkflowId, statusQuery } from '../../workflows/game-date/messages';
import { testStack } from '../harness';
import { completionBody, createWorld, freePort, PHASE2_CLASSES, PHASE2_TOPIC, uniquePastDate, waitFor, type E2eWorld } from './e2e-kit';

const PHASE3_TRIGGER = 'nba-phase3-trigger';

function startDevServer(port: number, dbFile: string): ChildProcess {
  return spawn(
    loadToolPaths().temporal,
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, ...searchAttributeFlags(),
      ...TEMPORAL_DEV_SERVER_CONFIG, '--log-level', 'error'],
    { detached: true, stdio: 'ignore' },
  );
}

async function untilServing(address: string): Promise<void> {
  await waitFor(`Temporal at ${address}`, async () => {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      return true;
    } catch {
      return false;
    }
  }, 60_000);
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

describe('end to end: Temporal restarts on its SQLite file', function () {
  this.timeout(180_000);
  let world: E2eWorld | undefined;
  let server: ChildProcess | undefined;
  let dataDir: string | undefined;
  let firestore: Firestore | undefined;

  after(async function () {
    this.timeout(60_000);
    await world?.close();
    if (server) await killGroup(server);
    await firestore?.terminate();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every date\'s state, triggers nothing twice and finishes open dates after the restart', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-temporal-'));
    const dbFile = path.join(dataDir, 'temporal.sqlite');
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    server = startDevServer(port, dbFile);
    await untilServing(address);
    world = await createWorld({ endpoints: { ...testStack(), temporalAddress: address } });
    await Promise.all([world.startWorker(), world.startBridge()]);
    firestore = new Firestore({ projectId: world.endpoints.projectId });

    const doneDate = uniquePastDate();
    const openDate = uniquePastDate();
    const doneBodies = PHASE2_CLASSES.map((name) => completionBody('phase_2_raw', name, doneDate));
    for (const body of doneBodies) await world.publish(PHASE2_TOPIC, body);
    for (const name of PHASE2_CLASSES.slice(0, 3)) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, openDate));
    await waitFor('the first date triggered', () => world!.reader(PHASE3_TRIGGER).forDate(doneDate).length === 1);
    await waitFor('three completions of the open date', async () => (await firestore!.collection('phase2_completion').doc(openDate).get()).data()?._completed_count === 3);

    await killGroup(server);
    server = startDevServer(port, dbFile);
    await untilServing(address);

    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    try {
      const done = await client.workflow.getHandle(gameDateWorkflowId('nba', doneDate)).query(statusQuery);
      assert.equal(done.transitions[0]!.state, 'triggered');
      const open = await client.workflow.getHandle(gameDateWorkflowId('nba', openDate)).query(statusQuery);
      assert.equal(open.transitions[0]!.completed.length, 3);
    } finally {
      await connection.close();
    }

    // The same worker and bridge go on: the open date completes, the finished one is not triggered again.
    for (const name of PHASE2_CLASSES.slice(3)) await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', name, openDate));
    await world.publish(PHASE2_TOPIC, doneBodies[0]!);
    await waitFor('the open date triggered after the restart', () => world!.reader(PHASE3_TRIGGER).forDate(openDate).length === 1, 90_000);
    await sleep(2_000);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(doneDate).length, 1);
    assert.equal(world.reader(PHASE3_TRIGGER).forDate(openDate).length, 1);
  });
});
