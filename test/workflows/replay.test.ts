/**
 * Every recorded history in test/fixtures/histories/ must replay against today's workflow code: a
 * non-deterministic change fails here instead of failing running dates in production. Sub-folders keep
 * histories of earlier workflow versions (dates that may still be running when a new worker is deployed).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from './workflow-test-kit';

const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

describe('replay of recorded game-date histories', function () {
  this.timeout(120_000);

  it('replays every fixture without a determinism error', async () => {
    const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.binpb'));
    assert.ok(files.length >= 8, `expected at least 8 recorded histories (today's and an earlier version's), found ${files.length}`);
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.binpb$/, ''),
      history: temporal.api.history.v1.History.decode(readFileSync(join(FIXTURES, file))),
    }));
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
