/**
 * Conditions every bridge replica sees are raised by each of them; receivers fold them on `dedup_key`, so the key
 * must not depend on which replica raised it (its start time, when it noticed, its host).
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Alert } from '../../activities/activity-contracts';
import { replicaId, subscriptionNameFor } from '../../bridge/bridge-config';
import { TemporalReachability } from '../../bridge/temporal-reachability';
import { SilentTopicWatcher } from '../../watchdogs/silent-topic-watcher';
import { WorkerPollerWatcher } from '../../watchdogs/worker-poller-watcher';

const T0 = Date.parse('2026-01-15T15:00:00Z'); // 10:00 in New York
const MIN = 60_000;

describe('dedup keys across bridge replicas', () => {
  it('silent topic: two replicas started apart, seeing the same messages, raise and resolve under one key', async () => {
    const sent: Alert[][] = [[], []];
    let now = T0;
    const watcher = (i: number) =>
      new SilentTopicWatcher({ pipeline: 'nba', topics: [{ topic: 't', thresholdMs: 60 * MIN }], timeZone: 'America/New_York', activeWindow: { start: '08:00', end: '23:59' }, sendAlert: async (a) => sent[i]!.push(a), now: () => now });
    const a = watcher(0);
    now += 7 * MIN;
    const b = watcher(1);
    const published = now + MIN;
    for (const w of [a, b]) await w.record('t', published);
    now = published + 61 * MIN;
    await a.check();
    now += 20_000;
    await b.check();
    assert.equal(sent[0]![0]!.dedupKey, 'nba:silent-topic:t:since:2026-01-15T15:08:00.000Z');
    assert.equal(sent[1]![0]!.dedupKey, sent[0]![0]!.dedupKey);
    for (const w of [a, b]) await w.record('t', now);
    assert.equal(sent[0]![1]!.dedupKey, `${sent[0]![0]!.dedupKey}:resolved`);
    assert.equal(sent[1]![1]!.dedupKey, sent[0]![1]!.dedupKey);
    // The next silence is another condition, so another key (a receiver folding keys must still hear of it).
    now += 61 * MIN;
    await a.check();
    assert.notEqual(sent[0]![2]!.dedupKey, sent[0]![0]!.dedupKey);
  });

  it('worker pollers: named by the last poll Temporal reports, not by when a replica looked', async () => {
    const lastPoll = T0 - 4 * MIN;
    const connection = { workflowService: { describeTaskQueue: async () => ({ pollers: [{ lastAccessTime: { seconds: lastPoll / 1000 }, identity: 'w' }] }) } };
    const keys: string[] = [];
    for (const [startedAt, checkedAt] of [[T0 - 10 * MIN, T0], [T0 - 5 * MIN, T0 + 25_000]] as const) {
      const watcher = new WorkerPollerWatcher({ pipeline: 'nba', connection, namespace: 'default', taskQueue: 'q', thresholdMs: 3 * MIN, sendAlert: async (a) => keys.push(a.dedupKey), now: () => startedAt });
      await watcher.check(checkedAt);
    }
    assert.deepEqual(keys, ['nba:worker-pollers:q:last-poll:2026-01-15T14:56:00.000Z', 'nba:worker-pollers:q:last-poll:2026-01-15T14:56:00.000Z']);
  });

  it("worker pollers: only the backlog's queues stale, named by their last poll, not by the live queues' polls", async () => {
    const lastBacklogPoll = T0 - 4 * MIN;
    const keys: string[] = [];
    for (const checkedAt of [T0, T0 + 25_000]) {
      // The live queues are polled continuously: each replica sees a later poll than the other.
      const connection = {
        workflowService: {
          describeTaskQueue: async (request: { taskQueue: { name: string } }) => ({
            pollers: [{ lastAccessTime: { seconds: (request.taskQueue.name.startsWith('q-backlog') ? lastBacklogPoll : checkedAt) / 1000 }, identity: 'w' }],
          }),
        },
      };
      const watcher = new WorkerPollerWatcher({ pipeline: 'nba', connection, namespace: 'default', taskQueue: 'q', thresholdMs: 3 * MIN, sendAlert: async (a) => keys.push(a.dedupKey), now: () => T0 - 10 * MIN });
      await watcher.check(checkedAt);
    }
    assert.deepEqual(keys, ['nba:worker-pollers:q:last-poll:2026-01-15T14:56:00.000Z', 'nba:worker-pollers:q:last-poll:2026-01-15T14:56:00.000Z']);
  });

  it('Temporal unreachable: replicas noticing it seconds apart share the key of the re-alert slot', () => {
    const keys: string[] = [];
    const silent = pino({ enabled: false });
    for (const at of [T0 + 2 * MIN + 1_000, T0 + 2 * MIN + 9_500]) {
      let now = at;
      const reachability = new TemporalReachability({ sendAlert: async (a) => keys.push(a.dedupKey), log: silent, address: 't:7233', alertAfterMs: 0, now: () => now });
      reachability.failed(new Error('UNAVAILABLE'));
      now += 16 * MIN;
      reachability.failed(new Error('UNAVAILABLE'));
      now += 3_000;
      reachability.succeeded();
    }
    assert.deepEqual(keys.slice(0, 3), ['bridge:temporal-unreachable:2026-01-15T15:00:00.000Z', 'bridge:temporal-unreachable:2026-01-15T15:15:00.000Z', 'bridge:temporal-unreachable:2026-01-15T15:15:00.000Z:recovered']);
    assert.deepEqual(keys.slice(3), keys.slice(0, 3));
  });

  it('Temporal unreachable: a blip shorter than the alert wait is in /health only; a longer outage alerts once, then its recovery', () => {
    const titles: string[] = [];
    const silent = pino({ enabled: false });
    let now = T0;
    const reachability = new TemporalReachability({ sendAlert: async (a) => titles.push(a.title), log: silent, address: 't:7233', alertAfterMs: 30_000, now: () => now });
    reachability.failed(new Error('DEADLINE_EXCEEDED'));
    assert.equal(reachability.health().healthy, false);
    now += 10_000;
    reachability.failed(new Error('DEADLINE_EXCEEDED'));
    reachability.succeeded();
    assert.deepEqual(titles, [], 'a 10 s blip alerts nobody');
    assert.equal(reachability.health().healthy, true);
    for (let i = 0; i <= 4; i++) {
      reachability.failed(new Error('UNAVAILABLE'));
      now += 10_000;
    }
    reachability.succeeded();
    assert.deepEqual(titles, ['Bridge cannot reach Temporal', 'Bridge reaches Temporal again']);
  });

  it("each replica's silence subscription is its own and a valid Pub/Sub name", () => {
    const replica = replicaId('phase-orchestrator-bridge-7d9f/x y', 'a1b2c3');
    assert.equal(replica, 'phase-orchestrator-bridge-7d9f-x-y-a1b2c3');
    assert.equal(subscriptionNameFor('{topic}-silence-{replica}', 'nba-phase2-raw-complete', replica), 'nba-phase2-raw-complete-silence-phase-orchestrator-bridge-7d9f-x-y-a1b2c3');
  });
});
