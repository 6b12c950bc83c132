/**
 * The bridge-side watchers with real alert delivery (webhook to a loopback receiver): a silent topic alerts
 * and resolves; a worker process killed with SIGKILL is noticed from outside through Temporal's task-queue
 * pollers, within the threshold.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createAlertSender } from '../../activities/alert-channels';
import { SilentTopicWatcher, inWindow } from '../../watchdogs/silent-topic-watcher';
import { WorkerPollerWatcher } from '../../watchdogs/worker-poller-watcher';
import { devServerEnv, testStack } from '../harness';
import { startHttpReceiver, type HttpReceiver } from '../activities/http-receiver';

const titles = (r: HttpReceiver) => r.requests.map((q) => (JSON.parse(q.body) as { title: string }).title);

describe('bridge-side watchers', function () {
  this.timeout(240_000);
  let receiver: HttpReceiver;
  let sendAlert: ReturnType<typeof createAlertSender>;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    sendAlert = createAlertSender({ channels: [{ kind: 'webhook', name: 'webhook', url: receiver.url }] });
  });
  afterEach(() => receiver.close());

  it('silent topic: alerts once inside the active window after the threshold, resolves when traffic returns', async () => {
    let now = Date.parse('2026-01-15T20:00:00Z'); // 15:00 in New York
    const watcher = new SilentTopicWatcher({
      pipeline: 'nba',
      topics: [
        { topic: 'nba-phase2-raw-complete', thresholdMs: 60 * 60_000 },
        { topic: 'nba-phase3-analytics-complete', thresholdMs: 3 * 60 * 60_000 },
      ],
      timeZone: 'America/New_York',
      activeWindow: { start: '08:00', end: '23:59' },
      sendAlert,
      now: () => now,
    });
    now += 30 * 60_000;
    await watcher.record('nba-phase3-analytics-complete');
    assert.deepEqual(await watcher.check(), []);
    now += 45 * 60_000;
    assert.deepEqual(await watcher.check(), ['nba-phase2-raw-complete']);
    await watcher.check();
    assert.deepEqual(titles(receiver), ['No message on nba-phase2-raw-complete for 75 min'], 'one alert while the silence lasts');
    assert.equal(watcher.health().healthy, false);
    await watcher.record('nba-phase2-raw-complete');
    assert.deepEqual(titles(receiver).at(-1), 'Completion topic nba-phase2-raw-complete has traffic again');
    assert.deepEqual(watcher.health(), { healthy: true, error: null });
  });

  it('silent topic: silence outside the active window is expected and never alerts', async () => {
    let now = Date.parse('2026-01-15T08:00:00Z'); // 03:00 in New York
    const watcher = new SilentTopicWatcher({ pipeline: 'nba', topics: [{ topic: 't', thresholdMs: 60_000 }], timeZone: 'America/New_York', activeWindow: { start: '08:00', end: '23:59' }, sendAlert, now: () => now });
    now += 2 * 60 * 60_000;
    assert.deepEqual(await watcher.check(), ['t']);
    assert.equal(receiver.requests.length, 0);
    assert.equal(inWindow(Date.parse('2026-01-15T04:30:00Z'), 'America/New_York', { start: '22:00', end: '02:00' }), true, 'a window may wrap midnight');
  });

  const pollerWatcherOn = (now: number, unpolled: (name: string) => boolean) => {
    const polledNow = { pollers: [{ lastAccessTime: { seconds: Math.floor(now / 1000) }, identity: 'worker-a' }] };
    const asked: string[] = [];
    const connection = {
      workflowService: {
        describeTaskQueue: async (request: { taskQueue: { name: string }; taskQueueType?: number }) => {
          asked.push(`${request.taskQueue.name}/${request.taskQueueType}`);
          return unpolled(request.taskQueue.name) ? { pollers: [] } : polledNow;
        },
      },
    };
    const sent: { title: string; text: string }[] = [];
    const watcher = new WorkerPollerWatcher({ pipeline: 'nba', connection, namespace: 'default', taskQueue: 'orchestrator', thresholdMs: 60_000, sendAlert: async (a) => sent.push({ title: a.title, text: a.text }), now: () => now });
    return { watcher, asked, sent };
  };

  it('a worker that polls the task queue but not its trigger queue is not healthy, and is alerted after the threshold', async () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    const { watcher, asked, sent } = pollerWatcherOn(now, (name) => name === 'orchestrator-triggers');
    const check = await watcher.check(now);
    assert.deepEqual(asked, ['orchestrator/1', 'orchestrator/2', 'orchestrator-triggers/2', 'orchestrator-backlog/1', 'orchestrator-backlog/2', 'orchestrator-backlog-triggers/2']);
    assert.equal(check?.healthy, false);
    assert.equal(check?.lastPollAt.triggers, null);
    assert.equal(sent.length, 0, 'not before the threshold');
    await watcher.check(now + 60_000);
    assert.deepEqual(sent.map((a) => a.title), ['No worker is polling orchestrator']);
  });

  it("a worker that polls the live dates' queues but not the backlog's is alerted, naming the backlog's queues", async () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    const { watcher, sent } = pollerWatcherOn(now, (name) => name.startsWith('orchestrator-backlog'));
    const check = await watcher.check(now + 60_000);
    assert.equal(check?.healthy, false);
    assert.deepEqual(check?.stale, [
      'orchestrator-backlog (workflow tasks, no poller known to the server)',
      'orchestrator-backlog (activity tasks, no poller known to the server)',
      'orchestrator-backlog-triggers (activity tasks, no poller known to the server)',
    ]);
    assert.equal(sent.length, 1);
    assert.match(sent[0]?.text ?? '', /orchestrator-backlog \(workflow tasks/);
    assert.doesNotMatch(sent[0]?.text ?? '', /orchestrator \(/, 'the polled live queue is not named');
  });

  it('worker killed: the pollers watcher alerts directly within the threshold, and resolves when a worker polls again', async () => {
    const env = await devServerEnv();
    const { temporalAddress, temporalNamespace } = testStack();
    const taskQueue = `pollers-${randomUUID()}`;
    // Above Temporal's long-poll interval (60 s): an idle live worker's last poll can be that old.
    const thresholdMs = 75_000;
    const startWorker = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./poller-worker.ts'), temporalAddress, temporalNamespace, taskQueue], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('polling') && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      });
      return child;
    };
    let child = await startWorker();
    const watcher = new WorkerPollerWatcher({ pipeline: 'nba', connection: env.client.connection, namespace: temporalNamespace, taskQueue, thresholdMs, sendAlert, now: Date.now });
    try {
      // A live, idle worker stays healthy (its long polls keep it fresh).
      const liveUntil = Date.now() + 20_000;
      while (Date.now() < liveUntil) {
        await new Promise((r) => setTimeout(r, 2_000));
        const check = await watcher.check();
        assert.equal(check?.healthy, true, `live worker reported unhealthy: ${JSON.stringify(check)}`);
      }
      const killedAt = Date.now();
      child.kill('SIGKILL');
      let alertedAt: number | undefined;
      while (!alertedAt && Date.now() - killedAt < 2 * thresholdMs) {
        await new Promise((r) => setTimeout(r, 1_000));
        await watcher.check();
        if (titles(receiver).includes(`No worker is polling ${taskQueue}`)) alertedAt = Date.now();
      }
      assert.ok(alertedAt, `no alert within ${2 * thresholdMs} ms of the kill`);
      console.log(`      worker killed → alert after ${alertedAt - killedAt} ms (threshold ${thresholdMs} ms)`);
      assert.ok(alertedAt - killedAt <= thresholdMs + 5_000, `alert took ${alertedAt - killedAt} ms`);
      assert.equal(watcher.health().healthy, false);
      child = await startWorker();
      const back = Date.now();
      while (watcher.health().healthy === false && Date.now() - back < 30_000) {
        await new Promise((r) => setTimeout(r, 1_000));
        await watcher.check();
      }
      assert.equal(titles(receiver).at(-1), `Workers are polling ${taskQueue} again`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
