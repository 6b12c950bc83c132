import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { testStack } from '../harness';

describe('smoke: Firestore emulator', function () {
  this.timeout(30_000);
  let firestore: Firestore;

  before(() => {
    // The harness exported FIRESTORE_EMULATOR_HOST; the client reads it at construction.
    firestore = new Firestore({ projectId: testStack().projectId });
  });
  after(() => firestore.terminate());

  it('serialises concurrent read-modify-write transactions', async () => {
    const doc = firestore.collection('smoke').doc(randomUUID());
    await doc.set({ count: 0 });
    const increments = 3;
    await Promise.all(
      Array.from({ length: increments }, () =>
        firestore.runTransaction(async (tx) => {
          const snapshot = await tx.get(doc);
          tx.update(doc, { count: (snapshot.get('count') as number) + 1 });
        }),
      ),
    );
    const after = await doc.get();
    assert.equal(after.get('count'), increments);
  });
});
