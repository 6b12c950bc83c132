import assert from 'node:assert/strict';
import type { Alert } from '../../activities/activity-contracts';
import { createAlertFloodGuard, floodClass } from '../../activities/alert-flood';

const outage = (gameDate: string, n = 0, resolved = false): Alert => ({
  severity: resolved ? 'info' : 'error',
  title: resolved ? `BigQuery writes recovered for ${gameDate}` : `BigQuery unavailable for ${gameDate}`,
  text: 'x',
  dedupKey: `nba:${gameDate}:outage:bigquery:${resolved ? 'resolved:' : ''}${n}`,
  timestamp: '2026-01-01T00:00:00.000Z',
});

describe('alert flood guard (pure)', () => {
  it("classes the writer's outage keys by store and side, and nothing else", () => {
    assert.equal(floodClass(outage('2024-10-22'))?.key, 'nba:outage:bigquery');
    assert.equal(floodClass(outage('2024-10-22', 3, true))?.key, 'nba:outage:bigquery:resolved');
    assert.equal(floodClass({ ...outage('2024-10-22'), dedupKey: 'nba:2024-10-22:phase2_to_phase3:main:0:failed' }), null);
  });

  it('sends the first alert of an outage at once, counts the other dates into one summary at the end of the window, then closes', async () => {
    let now = 0;
    const sent: Alert[] = [];
    const guard = createAlertFloodGuard(async (a: Alert) => sent.push(a), { windowMs: 60_000, tickMs: 3_600_000, now: () => now });
    try {
      // Fifty open dates see the same outage.
      for (let d = 0; d < 50; d++) await guard.send(outage(new Date(Date.UTC(2024, 10, 1) + d * 86_400_000).toISOString().slice(0, 10)));
      await guard.send({ ...outage('2024-12-01'), dedupKey: 'other:key' }); // not an outage key: sent as it is
      assert.deepEqual(sent.map((a) => a.title), ['BigQuery unavailable for 2024-11-01', 'BigQuery unavailable for 2024-12-01']);
      assert.equal(guard.pending(), 49);
      now = 61_000;
      await guard.flush();
      assert.equal(sent.length, 3);
      assert.equal(sent[2]!.title, 'BigQuery unavailable for 49 more dates');
      assert.match(sent[2]!.text, /49 more open dates reported bigquery unavailable/);
      assert.match(sent[2]!.dedupKey, /^nba:outage:bigquery:summary:/);
      assert.equal(guard.pending(), 0);
      now = 200_000;
      await guard.flush(); // an empty window closes the episode
      await guard.send(outage('2024-12-05'));
      assert.equal(sent.at(-1)!.title, 'BigQuery unavailable for 2024-12-05', 'a later outage alerts at once again');
    } finally {
      guard.stop();
    }
  });

  it('counts nothing under a first alert that was not delivered, and keeps a failed summary until it goes out', async () => {
    let now = 0;
    let down = true;
    const sent: Alert[] = [];
    const guard = createAlertFloodGuard(
      async (a: Alert) => {
        if (down) throw new Error('every channel failed');
        sent.push(a);
      },
      { windowMs: 60_000, tickMs: 3_600_000, now: () => now },
    );
    try {
      await assert.rejects(guard.send(outage('2024-11-01')));
      await assert.rejects(guard.send(outage('2024-11-02')), 'still not counted: nobody was told yet');
      down = false;
      await guard.send(outage('2024-11-03'));
      await guard.send(outage('2024-11-04'));
      down = true;
      now = 70_000;
      await guard.flush();
      assert.equal(guard.pending(), 1, 'the failed summary is kept');
      down = false;
      await guard.flush();
      assert.deepEqual(sent.map((a) => a.title), ['BigQuery unavailable for 2024-11-03', 'BigQuery unavailable for 1 more dates']);
    } finally {
      guard.stop();
    }
  });
});
