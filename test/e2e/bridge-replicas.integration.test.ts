/**
 * Two bridge processes sharing the `-orchestrator` subscriptions, as production may run them: Pub/Sub may deliver
 * all of a topic's messages to one replica, and the other must not call the topic silent for it; a real silence is
 * alerted by both under one dedup key, each naming itself in `reported_by`.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterTopicName, pipelineTopics } from '../../contract/pipeline-topics';
import { completionBody, createWorld, metricValue, PHASE2_TOPIC, uniquePastDate, waitFor, type E2eWorld } from './e2e-kit';

describe('end to end: two bridge replicas', function () {
  this.timeout(180_000);
  let world: E2eWorld | undefined;
  const cleanup: (() => Promise<unknown>)[] = [];

  after(async function () {
    this.timeout(60_000);
    await world?.close();
    for (const step of cleanup) await step().catch(() => undefined);
  });

  it('a replica given none of the traffic raises no silence; a real silence is one dedup key from both, resolved alike', async () => {
    world = await createWorld();
    const { pubsub, id, sink } = world;
    // Replica B's shared subscriptions hang off a topic nobody publishes to: what Pub/Sub may do to a replica when
    // another one takes every message.
    const idleTopic = `idle-${id}`;
    await pubsub.createTopic(idleTopic);
    const idleTemplate = `{topic}-idle-${id}`;
    const { completionTopics } = pipelineTopics();
    const idleNames = [...completionTopics, ...completionTopics.map(deadLetterTopicName)].map((topic) => idleTemplate.replace('{topic}', topic));
    await Promise.all(idleNames.map((name) => pubsub.topic(idleTopic).createSubscription(name)));
    cleanup.push(() => Promise.all(idleNames.map((name) => pubsub.subscription(name).delete())), () => pubsub.topic(idleTopic).delete());

    // Phase 2 is silent after 15 s; the other topics keep their hours.
    const watchdogs = { WATCHDOG_SILENT_TOPIC_OVERRIDES: `${PHASE2_TOPIC}=0.25`, WATCHDOG_ACTIVE_WINDOW: '00:00-23:59', WATCHDOG_CHECK_SECONDS: '1' };
    const [a, b] = await Promise.all([world.startBridge(watchdogs), world.startBridge({ ...watchdogs, BRIDGE_SUBSCRIPTION_TEMPLATE: idleTemplate })]);
    const silences = () => sink.alerts.filter((alert) => alert.title.startsWith(`No message on ${PHASE2_TOPIC}`));

    // Traffic for twice the threshold, delivered to A only.
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', 'NbacGamebookProcessor', uniquePastDate()));
      await sleep(2_000);
    }
    const received = async (service: typeof a) => metricValue(await service.metrics(), 'bridge_messages_received_total', { topic: PHASE2_TOPIC });
    assert.ok((await received(a)) >= 10, 'replica A was delivered the traffic');
    assert.equal(await received(b), 0, 'replica B was delivered none of it');
    assert.deepEqual(silences(), [], 'no replica calls a topic with traffic silent');
    assert.equal((await b.health()).status, 200);

    // Then the producers stop: both replicas see the silence, and say so under one key.
    const both = await waitFor('the silence alerted by both replicas', () => silences().length >= 2 && silences(), 45_000);
    assert.equal(both.length, 2);
    assert.equal(both[0]!.dedup_key, both[1]!.dedup_key, 'one condition, one key, whichever replica raised it');
    assert.match(both[0]!.dedup_key, new RegExp(`^nba:silent-topic:${PHASE2_TOPIC}:since:\\d{4}-`));
    assert.ok(both.every((alert) => alert.reported_by?.startsWith('bridge/')));
    assert.notEqual(both[0]!.reported_by, both[1]!.reported_by, 'the body tells the replicas apart');

    await world.publish(PHASE2_TOPIC, completionBody('phase_2_raw', 'NbacGamebookProcessor', uniquePastDate()));
    const resolved = await waitFor('the resolution from both', () => {
      const found = sink.alerts.filter((alert) => alert.title === `Completion topic ${PHASE2_TOPIC} has traffic again`);
      return found.length >= 2 && found;
    });
    assert.equal(resolved[0]!.dedup_key, `${both[0]!.dedup_key}:resolved`);
    assert.equal(resolved[1]!.dedup_key, resolved[0]!.dedup_key);
  });
});
