import assert from 'node:assert/strict';
import { createTableAppends } from '../../activities/table-appends';

/** A table whose requests wait until released, so a test decides what is in flight. */
function heldTable(refuse: (rows: string[]) => Error | null = () => null) {
  const requests: { table: string; rows: string[]; release: () => void }[] = [];
  const insert = (table: string, rows: string[]) =>
    new Promise<void>((resolve, reject) => {
      const refusal = refuse(rows);
      requests.push({ table, rows, release: () => (refusal ? reject(refusal) : resolve()) });
    });
  return { requests, insert };
}

const classify = (error: unknown, where: string) => new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Releases every request in flight, until none is left. */
async function releaseAll(requests: { release: () => void }[], released = new Set<unknown>()): Promise<void> {
  for (;;) {
    await tick();
    const open = requests.filter((r) => !released.has(r));
    if (open.length === 0) return;
    for (const request of open) {
      released.add(request);
      request.release();
    }
  }
}

function rowRefusal(message: string): Error {
  return Object.assign(new Error(message), { name: 'PartialFailureError' });
}

describe('activities: a table’s appends go together while its requests are in flight', function () {
  it('an idle table sends a call at once; calls arriving while the requests are busy share the next request', async function () {
    const { requests, insert } = heldTable();
    const append = createTableAppends<string>({ insert, classify, requestsInFlight: 2 });
    const first = append('log', ['a1'], 'a');
    await tick();
    assert.deepEqual(requests.map((r) => r.rows), [['a1']], 'the first call did not wait');
    const second = append('log', ['b1'], 'b');
    const more = Array.from({ length: 10 }, (_, i) => append('log', [`c${i}`, `d${i}`], `c${i}`));
    await tick();
    assert.deepEqual(requests.map((r) => r.rows.length), [1, 1], 'two in flight, the rest waits');
    await releaseAll(requests);
    await Promise.all([first, second, ...more]);
    assert.deepEqual(requests.map((r) => r.rows.length), [1, 1, 20], 'twelve calls, three requests');
    assert.deepEqual(requests[2]!.rows.slice(0, 4), ['c0', 'd0', 'c1', 'd1'], 'in the order they came');
  });

  it('tables do not share requests, and a request holds at most 500 rows', async function () {
    const { requests, insert } = heldTable();
    const append = createTableAppends<string>({ insert, classify, requestsInFlight: 1 });
    const calls = [append('log', ['x'], 'x'), append('status', ['s'], 's')];
    for (let i = 0; i < 3; i++) calls.push(append('log', Array.from({ length: 200 }, (_, k) => `r${i}-${k}`), `r${i}`));
    calls.push(append('log', Array.from({ length: 1_100 }, (_, k) => `big${k}`), 'big'));
    await releaseAll(requests);
    await Promise.all(calls);
    assert.deepEqual(requests.filter((r) => r.table === 'status').map((r) => r.rows.length), [1]);
    assert.deepEqual(requests.filter((r) => r.table === 'log').map((r) => r.rows.length), [1, 400, 200, 500, 500, 100]);
  });

  it('a row refusal fails only the call with the bad row: the request is sent again call by call', async function () {
    const { requests, insert } = heldTable((rows) => (rows.includes('bad') ? rowRefusal('row bad: invalid') : null));
    const append = createTableAppends<string>({ insert, classify, requestsInFlight: 1 });
    const busy = append('log', ['first'], 'first');
    const good = append('log', ['g1', 'g2'], 'good');
    const bad = append('log', ['bad'], 'the bad call');
    const alsoGood = append('log', ['g3'], 'also good');
    await releaseAll(requests);
    await Promise.all([busy, good, alsoGood]);
    await assert.rejects(bad, /^Error: the bad call: row bad: invalid$/);
    assert.deepEqual(requests.map((r) => r.rows.join()), ['first', 'g1,g2,bad,g3', 'g1,g2', 'bad', 'g3']);
  });

  it('a request that fails as a whole fails each of its calls, with its own description', async function () {
    const { requests, insert } = heldTable((rows) => (rows.length > 1 ? new Error('503 backend unavailable') : null));
    const append = createTableAppends<string>({ insert, classify, requestsInFlight: 1 });
    const busy = append('log', ['first'], 'first');
    const outcomes = ['one', 'two'].map((where) => append('log', [where], where).then(() => 'written', (error: Error) => error.message));
    await releaseAll(requests);
    await busy;
    assert.deepEqual(await Promise.all(outcomes), ['one: 503 backend unavailable', 'two: 503 backend unavailable']);
    assert.equal(requests.length, 2, 'not sent again: the activities retry with back-off');
  });
});
