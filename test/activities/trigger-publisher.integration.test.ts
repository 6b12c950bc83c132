import assert from 'node:assert/strict';
import type { PubSub, Message, Subscription } from '@google-cloud/pubsub';
import { ApplicationFailure } from '@temporalio/common';
import type { PublishTriggerInput } from '../../activities/activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from '../../activities/activity-error-types';
import { classifyPublishError, createTriggerPublisher } from '../../activities/trigger-publisher';
import { triggerTopicsProbe } from '../../service/health-server';
import { runActivity, testPubSub, uniqueGameDate, uniqueSuffix } from './activity-test-env';

/** Pulls until `count` messages arrived or the time is up. */
async function pull(subscription: Subscription, count: number, timeoutMs = 10_000): Promise<Message[]> {
  const received: Message[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      subscription.removeAllListeners('message');
      resolve();
    }
    subscription.on('message', (message: Message) => {
      message.ack();
      received.push(message);
      if (received.length >= count) done();
    });
  });
  await subscription.close();
  return received;
}

function phase4Input(topic: string, gameDate: string): PublishTriggerInput {
  const tables = ['player_game_summary', 'team_defense_game_summary', 'team_offense_game_summary'];
  const triggerId = `nba/${gameDate}/phase3_to_phase4/overnight`;
  return {
    gameDate,
    transition: 'phase3_to_phase4',
    topic,
    triggerId,
    messages: tables.map((table) => ({
      data: { source_table: table, analysis_date: gameDate, game_date: gameDate, success: true, entities_changed: { players: ['p1'] } },
      attributes: { trigger_id: triggerId },
    })),
  };
}

function assertNonRetryable(err: unknown, type: string, ...mustMention: string[]): void {
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  assert.equal(err.nonRetryable, true);
  assert.equal(err.type, type);
  for (const text of mustMention) assert.ok(err.message.includes(text), `"${err.message}" should mention ${text}`);
}

describe('activities: publishTrigger', function () {
  let pubsub: PubSub;
  let publishTrigger: ReturnType<typeof createTriggerPublisher>;

  before(function () {
    pubsub = testPubSub();
    publishTrigger = createTriggerPublisher(pubsub);
  });
  after(async function () {
    await pubsub?.close();
  });

  it('delivers every message byte-for-byte with trigger_id and a per-message key', async function () {
    const [topic] = await pubsub.createTopic(`act-trigger-${uniqueSuffix()}`);
    const [subscription] = await topic.createSubscription(`${topic.name.split('/').pop()}-sub`);
    const gameDate = uniqueGameDate();
    const input = phase4Input(topic.name.split('/').pop() ?? '', gameDate);
    input.messages[1]!.attributes = {}; // the activity must add trigger_id even when the workflow left it out

    const result = await runActivity(publishTrigger, input);
    assert.equal(result.messageIds.length, 3);

    const received = await pull(subscription, 3);
    assert.equal(received.length, 3);
    const byKey = new Map(received.map((m) => [m.attributes.trigger_message_key, m]));
    input.messages.forEach((message, index) => {
      const got = byKey.get(`${input.triggerId}/${index}`);
      assert.ok(got, `message ${index} arrived`);
      assert.deepEqual(JSON.parse(got.data.toString('utf8')), message.data);
      assert.equal(got.attributes.trigger_id, input.triggerId);
    });
    await subscription.delete();
    await topic.delete();
  });

  it('a missing topic is a non-retryable failure naming date, transition and topic', async function () {
    const gameDate = uniqueGameDate();
    const topic = `act-missing-${uniqueSuffix()}`;
    await assert.rejects(runActivity(publishTrigger, phase4Input(topic, gameDate)), (err) => {
      assertNonRetryable(err, NonRetryableActivityErrors.triggerTopicNotFound, gameDate, 'phase3_to_phase4', topic);
      return true;
    });
  });

  it('a topic without a subscription is a retryable failure naming it, publishes nothing, and works once a subscription exists; /health names it', async function () {
    const [topic] = await pubsub.createTopic(`act-unsubscribed-${uniqueSuffix()}`);
    const name = topic.name.split('/').pop() ?? '';
    const gameDate = uniqueGameDate();
    const probe = triggerTopicsProbe(pubsub, [name]);
    assert.deepEqual(await probe(), { healthy: false, error: `no subscription on trigger topic(s) ${name}: triggers published there are dropped` });
    await assert.rejects(runActivity(publishTrigger, phase4Input(name, gameDate)), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.type, RetryableActivityErrors.triggerTopicUnsubscribed);
      assert.ok(err.message.includes(name) && err.message.includes(gameDate), err.message);
      return true;
    });
    // The refused attempt published nothing: a subscription created now receives only the next attempt's messages.
    const [subscription] = await topic.createSubscription(`${name}-sub`);
    assert.deepEqual(await probe(), { healthy: true, error: null });
    const result = await runActivity(publishTrigger, phase4Input(name, gameDate));
    assert.equal(result.messageIds.length, 3);
    const received = await pull(subscription, 4, 3_000);
    assert.equal(received.length, 3);
    await subscription.delete();
    await topic.delete();
  });

  it('a payload that is not JSON-serialisable is a non-retryable failure before anything is published', async function () {
    const gameDate = uniqueGameDate();
    const input = phase4Input(`act-never-${uniqueSuffix()}`, gameDate);
    input.messages[0]!.data = { big: 10n };
    await assert.rejects(runActivity(publishTrigger, input), (err) => {
      assertNonRetryable(err, NonRetryableActivityErrors.triggerPayloadInvalid, gameDate, 'phase3_to_phase4');
      return true;
    });
  });

  it('permission denied is non-retryable; an unavailable service is retryable', function () {
    const where = 'trigger t for 2025-01-02 (phase2_to_phase3) on topic nba-phase3-trigger';
    assertNonRetryable(
      classifyPublishError(Object.assign(new Error('7 PERMISSION_DENIED: denied'), { code: 7 }), where),
      NonRetryableActivityErrors.triggerPermissionDenied,
      '2025-01-02',
      'nba-phase3-trigger',
    );
    const unavailable = classifyPublishError(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }), where);
    assert.ok(unavailable instanceof ApplicationFailure);
    assert.equal(unavailable.nonRetryable, false);
  });
});
