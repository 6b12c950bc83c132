import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { BRIDGE_MAX_DELIVERY_ATTEMPTS, pipelineTopics, bridgeSubscriptionName, deadLetterSubscriptionName, deadLetterTopicName, triggerSubscriptionName } from '../../contract/pipeline-topics';
import { testStack } from '../harness';

describe('smoke: Pub/Sub emulator', function () {
  this.timeout(30_000);
  let pubsub: PubSub;

  before(() => {
    const { projectId, pubsubEmulatorHost } = testStack();
    pubsub = new PubSub({ projectId, apiEndpoint: pubsubEmulatorHost, emulatorMode: true });
  });
  after(() => pubsub.close());

  it('has every pipeline subscription the stack promises', async () => {
    const [subscriptions] = await pubsub.getSubscriptions();
    const names = new Set(subscriptions.map((s) => s.name.split('/').pop()));
    const { completionTopics, triggerTopics } = pipelineTopics();
    const expected = [
      ...completionTopics.flatMap((t) => [bridgeSubscriptionName(t), deadLetterSubscriptionName(t)]),
      ...triggerTopics.map(triggerSubscriptionName),
    ];
    for (const name of expected) assert.ok(names.has(name), `subscription ${name} missing`);
  });

  it("gives the bridge's subscriptions a dead-letter policy to <topic>-dlq with bounded delivery attempts", async () => {
    for (const topic of pipelineTopics().completionTopics) {
      const [metadata] = await pubsub.subscription(bridgeSubscriptionName(topic)).getMetadata();
      assert.equal(metadata.deadLetterPolicy?.deadLetterTopic, pubsub.topic(deadLetterTopicName(topic)).name, topic);
      assert.equal(metadata.deadLetterPolicy?.maxDeliveryAttempts, BRIDGE_MAX_DELIVERY_ATTEMPTS, topic);
    }
  });

  it('publishes, streams the message to a subscriber and acks it', async () => {
    const [topic] = await pubsub.createTopic(`smoke-${randomUUID()}`);
    const [subscription] = await topic.createSubscription(`smoke-${randomUUID()}`);
    const body = { game_date: '2026-01-15', id: randomUUID() };
    const received = new Promise<Message>((resolve, reject) => {
      subscription.on('message', resolve);
      subscription.on('error', reject);
    });
    await topic.publishMessage({ json: body });
    const message = await received;
    message.ack();
    await subscription.close();
    assert.deepEqual(JSON.parse(message.data.toString('utf8')), body);
    await subscription.delete();
    await topic.delete();
  });
});
