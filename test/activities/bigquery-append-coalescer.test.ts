import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { NonRetryableActivityErrors, RetryableActivityErrors } from '../../activities/activity-error-types';
import { createAppendCoalescer, type StreamedRow } from '../../activities/bigquery-append-coalescer';

const rows = (prefix: string, count: number): StreamedRow[] => Array.from({ length: count }, (_, i) => ({ insertId: `${prefix}${i}`, json: { row_key: `${prefix}${i}` } }));

/** An insertAll that records each request and can be held until released, or fail as told. */
function fakeInsert(fail: (rows: StreamedRow[]) => Error | null = () => null) {
  const requests: { table: string; keys: string[] }[] = [];
  let hold: Promise<void> | null = null;
  let release = (): void => undefined;
  return {
    requests,
    holdNext() {
      hold = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
    insert: async (table: string, sent: StreamedRow[]) => {
      requests.push({ table, keys: sent.map((r) => r.insertId ?? '') });
      const held = hold;
      hold = null;
      if (held) await held;
      const error = fail(sent);
      if (error) throw error;
    },
  };
}

/** Row-level refusals are the only failure a single writer owns; anything else is the store's. */
const classify = (error: unknown, where: string): Error =>
  (error as Error).message === 'invalid row'
    ? ApplicationFailure.nonRetryable(`refused ${where}`, NonRetryableActivityErrors.bigQueryRowInvalid)
    : ApplicationFailure.retryable(`unavailable writing ${where}`, RetryableActivityErrors.bigQueryUnavailable);

const settle = (promise: Promise<void>) => promise.then(() => 'written', (error: Error) => error.message);

describe('activities: BigQuery appends share requests', function () {
  it('a lone append is sent at once, as it is', async function () {
    const fake = fakeInsert();
    const append = createAppendCoalescer(fake.insert, classify);
    await append('log', rows('a', 3), 'a');
    assert.deepEqual(fake.requests, [{ table: 'log', keys: ['a0', 'a1', 'a2'] }]);
  });

  it('appends that arrive while a request is in flight leave together, in order, in the next one', async function () {
    const fake = fakeInsert();
    const append = createAppendCoalescer(fake.insert, classify);
    fake.holdNext();
    const first = append('log', rows('a', 1), 'a');
    const later = [append('log', rows('b', 2), 'b'), append('log', rows('c', 1), 'c'), append('log', rows('d', 1), 'd')];
    assert.equal(fake.requests.length, 1, 'the later appends wait for the request in flight');
    fake.release();
    assert.deepEqual(await Promise.all([first, ...later].map(settle)), ['written', 'written', 'written', 'written']);
    assert.deepEqual(fake.requests.map((r) => r.keys), [['a0'], ['b0', 'b1', 'c0', 'd0']]);
  });

  it('packs waiting appends into requests of at most the limit, and sends a large one in parts of its own', async function () {
    const fake = fakeInsert();
    const append = createAppendCoalescer(fake.insert, classify, 4);
    fake.holdNext();
    const all = [append('log', rows('a', 1), 'a'), append('log', rows('b', 3), 'b'), append('log', rows('c', 2), 'c'), append('log', rows('d', 1), 'd'), append('log', rows('e', 6), 'e')];
    fake.release();
    await Promise.all(all);
    assert.deepEqual(fake.requests.map((r) => r.keys.join(',')), ['a0', 'b0,b1,b2', 'c0,c1,d0', 'e0,e1,e2,e3', 'e4,e5']);
  });

  it('a request refused for one writer\'s row is sent again writer by writer: only that writer fails', async function () {
    const fake = fakeInsert((sent) => (sent.some((r) => r.insertId === 'bad0') ? new Error('invalid row') : null));
    const append = createAppendCoalescer(fake.insert, classify);
    fake.holdNext();
    const first = append('log', rows('a', 1), 'a');
    const shared = [append('log', rows('b', 1), 'rows of b'), append('log', rows('bad', 1), 'rows of bad'), append('log', rows('c', 1), 'rows of c')];
    fake.release();
    assert.deepEqual(await Promise.all([first, ...shared].map(settle)), ['written', 'written', 'refused rows of bad', 'written']);
    assert.deepEqual(fake.requests.map((r) => r.keys.join(',')), ['a0', 'b0,bad0,c0', 'b0', 'bad0', 'c0']);
  });

  it('a store that is down fails every writer of the request, each told what it wrote, with no resending', async function () {
    let down = false;
    const fake = fakeInsert(() => (down ? new Error('503 backend error') : null));
    const append = createAppendCoalescer(fake.insert, classify);
    fake.holdNext();
    const first = append('log', rows('a', 1), 'a');
    const shared = [append('log', rows('b', 1), 'rows of b'), append('log', rows('c', 1), 'rows of c')];
    down = true;
    fake.release();
    assert.deepEqual(await Promise.all([first, ...shared].map(settle)), ['unavailable writing a', 'unavailable writing rows of b', 'unavailable writing rows of c']);
    assert.equal(fake.requests.length, 2);
    down = false;
    assert.equal(await settle(append('log', rows('d', 1), 'd')), 'written', 'the next append starts a new request');
  });

  it('a request in flight to one table holds back no other table', async function () {
    const fake = fakeInsert();
    const append = createAppendCoalescer(fake.insert, classify);
    fake.holdNext();
    const held = append('log', rows('a', 1), 'a');
    await append('status', rows('s', 1), 's');
    assert.deepEqual(fake.requests.map((r) => r.table), ['log', 'status']);
    fake.release();
    await held;
  });
});
