import assert from 'node:assert/strict';
import type { Alert } from '../../activities/activity-contracts';
import { DeadLetterAlerts, reasonClass, type DeadLetter } from '../../bridge/dead-letter-alerts';

const TOPIC = 'nba-phase2-raw-complete';
const DLQ = `${TOPIC}-dlq`;
const WINDOW = 5 * 60_000;

function letter(id: string, reason = 'body is not JSON: Unexpected end of JSON input', topic = TOPIC): DeadLetter {
  return { topic, deadLetterTopic: `${topic}-dlq`, messageId: id, reason };
}

/** An aggregator on a fake clock, with an alert path that can be turned off. */
function harness(windowMs = WINDOW) {
  const clock = { now: Date.parse('2026-01-15T20:00:00Z') };
  const sent: Alert[] = [];
  const path = { down: false };
  const alerts = new DeadLetterAlerts({
    windowMs,
    retryMs: 30_000,
    now: () => clock.now,
    sendAlert: async (alert) => {
      await Promise.resolve();
      if (path.down) throw new Error('Every alert channel failed');
      sent.push(alert);
    },
  });
  return { clock, sent, path, alerts };
}

describe('dead-letter alerts', () => {
  describe('reason class', () => {
    it('drops what differs from one message to the next', () => {
      assert.equal(reasonClass("body is not JSON: Expected ':' after property name in JSON at position 4"), 'body is not JSON');
      assert.equal(reasonClass('body is not JSON: Unexpected end of JSON input'), 'body is not JSON');
      assert.equal(reasonClass('body is not a JSON object'), 'body is not a JSON object');
      const today = reasonClass('schema violation: game_date: game_date "TODAY" is not a YYYY-MM-DD calendar date');
      assert.equal(today, 'schema violation: game_date');
      assert.equal(reasonClass('schema violation: game_date: game_date "2026-02-30" is not a YYYY-MM-DD calendar date'), today);
      assert.equal(reasonClass('schema violation: metadata.entities_changed.3: Invalid input'), 'schema violation: metadata.entities_changed.*');
      assert.equal(reasonClass('bad record 12345 "abc"'), 'bad record # "…"');
    });

    it('keeps apart what fails differently', () => {
      const fields = ['status', 'game_date', 'record_count'].map((f) => reasonClass(`schema violation: ${f}: Invalid input`));
      assert.equal(new Set(fields).size, 3);
      assert.equal(reasonClass('schema violation: status: x; game_date: y'), reasonClass('schema violation: game_date: z; status: w'), 'the same fields in any order');
      assert.notEqual(reasonClass('schema violation: status: x; game_date: y'), reasonClass('schema violation: status: x'));
    });
  });

  it('alerts the first at once, counts the rest of the window, then sends one summary with the count and sample ids', async () => {
    const { clock, sent, alerts } = harness();
    assert.equal(await alerts.report(letter('m-1')), 'first');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.dedupKey, `bridge:dead-letter:${TOPIC}:m-1`);
    assert.match(sent[0]!.text, /within 5 min are counted and summarised/);
    for (let i = 2; i <= 40; i++) {
      clock.now += 1_000;
      assert.equal(await alerts.report(letter(`m-${i}`, `body is not JSON: Unexpected token at position ${i}`)), 'counted');
    }
    assert.equal(sent.length, 1, 'nothing more inside the window');
    assert.equal(alerts.awaitingAlert(), 39);
    await alerts.flush();
    assert.equal(sent.length, 1, 'not before the window ends');
    clock.now = Date.parse('2026-01-15T20:05:00Z');
    await alerts.flush();
    assert.equal(sent.length, 2);
    const summary = sent[1]!;
    assert.equal(summary.title, `39 more invalid completion messages moved to ${DLQ}`);
    assert.match(summary.text, /39 more message\(s\) on nba-phase2-raw-complete failed the same way \(body is not JSON\)/);
    assert.match(summary.text, /for example m-2, m-3, m-4, m-5, m-6, …/);
    assert.equal(summary.dedupKey, `bridge:dead-letter-summary:${TOPIC}:m-2`);
    assert.equal(alerts.awaitingAlert(), 0);
    assert.deepEqual(alerts.health(), { healthy: true, error: null });
  });

  it('rolls the window on while the flood lasts, and alerts at once again after a quiet window', async () => {
    const { clock, sent, alerts } = harness();
    await alerts.report(letter('a'));
    clock.now += 60_000;
    await alerts.report(letter('b'));
    clock.now += WINDOW;
    await alerts.flush();
    assert.equal(sent.length, 2, 'first + summary');
    clock.now += 60_000;
    assert.equal(await alerts.report(letter('c')), 'counted', 'the next window counts on');
    clock.now += WINDOW;
    await alerts.flush();
    assert.equal(sent.length, 3);
    assert.match(sent[2]!.title, /^1 more invalid completion message moved/);
    clock.now += WINDOW;
    await alerts.flush();
    assert.equal(sent.length, 3, 'a window that counted nothing sends nothing and closes the episode');
    assert.equal(await alerts.report(letter('d')), 'first');
    assert.equal(sent.length, 4);
  });

  it('aggregates per topic and reason class', async () => {
    const { sent, alerts } = harness();
    await alerts.report(letter('a'));
    await alerts.report(letter('b', 'schema violation: status: Invalid option'));
    await alerts.report(letter('c', 'body is not JSON: x', 'nba-phase3-analytics-complete'));
    assert.equal(await alerts.report(letter('d')), 'counted');
    assert.deepEqual(sent.map((a) => a.dedupKey.split(':').at(-1)), ['a', 'b', 'c']);
  });

  it('counts messages that arrive while the first alert is being sent, and only once it is delivered', async () => {
    const { sent, alerts } = harness();
    const results = await Promise.all(['a', 'b', 'c'].map((id) => alerts.report(letter(id))));
    assert.deepEqual(results, ['first', 'counted', 'counted']);
    assert.equal(sent.length, 1);
  });

  it('rejects when the first alert reaches no channel, so the message is nacked; messages waiting on it try again themselves', async () => {
    const { sent, path, alerts } = harness();
    path.down = true;
    const results = await Promise.allSettled(['a', 'b'].map((id) => alerts.report(letter(id))));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(alerts.awaitingAlert(), 0, 'nothing counted for an alert that was never delivered');
    path.down = false;
    assert.equal(await alerts.report(letter('a')), 'first');
    assert.equal(sent.length, 1);
  });

  it('keeps a summary that failed pending, shows it in health, counts on and retries it until it is delivered', async () => {
    const { clock, sent, path, alerts } = harness();
    await alerts.report(letter('a'));
    await alerts.report(letter('b'));
    clock.now += WINDOW;
    path.down = true;
    await alerts.flush();
    assert.equal(alerts.awaitingAlert(), 1);
    const health = alerts.health();
    assert.equal(health.healthy, false);
    assert.match(health.error ?? '', /1 dead letter\(s\) in nba-phase2-raw-complete-dlq \(body is not JSON\) not alerted yet: Every alert channel failed/);
    assert.equal(await alerts.report(letter('c')), 'counted', 'the episode stays open: covered by the pending summary');
    clock.now += 10_000;
    path.down = false;
    await alerts.flush();
    assert.equal(sent.length, 1, 'retried only after retryMs');
    clock.now += 30_000;
    await alerts.flush();
    assert.equal(sent.length, 2);
    assert.match(sent[1]!.title, /^2 more/);
    assert.match(sent[1]!.text, /for example b, c\./);
    assert.equal(sent[1]!.dedupKey, `bridge:dead-letter-summary:${TOPIC}:b`, 'named after the first message it covers, as the failed attempt was');
    assert.deepEqual(alerts.health(), { healthy: true, error: null });
  });

  it('sends every pending summary at shutdown, before its window ends', async () => {
    const { sent, alerts } = harness();
    await alerts.report(letter('a'));
    await alerts.report(letter('b'));
    await alerts.flush({ all: true });
    assert.equal(sent.length, 2);
    assert.equal(alerts.awaitingAlert(), 0);
  });

  it('alerts every dead letter on its own with a window of 0', async () => {
    const { sent, alerts } = harness(0);
    for (const id of ['a', 'b', 'c']) assert.equal(await alerts.report(letter(id)), 'first');
    assert.equal(sent.length, 3);
    assert.doesNotMatch(sent[0]!.text, /summarised/);
  });
});
