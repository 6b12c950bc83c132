import { PubSub } from '@google-cloud/pubsub';
import {
  BRIDGE_MAX_DELIVERY_ATTEMPTS,
  bridgeSubscriptionName,
  deadLetterSubscriptionName,
  deadLetterTopicName,
  triggerSubscriptionName,
  type PipelineTopics,
} from '../contract/pipeline-topics';

const ALREADY_EXISTS = 6;

async function ignoringExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}

async function ensureTopicWithSubscription(pubsub: PubSub, topic: string, subscription: string, deadLetterTopic?: string): Promise<void> {
  await ignoringExisting(() => pubsub.createTopic(topic));
  const deadLetterPolicy = deadLetterTopic ? { deadLetterTopic: pubsub.topic(deadLetterTopic).name, maxDeliveryAttempts: BRIDGE_MAX_DELIVERY_ATTEMPTS } : undefined;
  await ignoringExisting(() => pubsub.topic(topic).createSubscription(subscription, { ackDeadlineSeconds: 60, ...(deadLetterPolicy ? { deadLetterPolicy } : {}) }));
}

/**
 * Topics and subscriptions of the pipeline: per completion topic the bridge's subscription (with a dead-letter
 * policy to `<topic>-dlq`), that dead-letter topic and a reader on it; per trigger topic a reader for tests and the demo.
 */
export async function ensurePubSubResources(pubsub: PubSub, topics: PipelineTopics): Promise<void> {
  await Promise.all([
    ...topics.completionTopics.map(async (topic) => {
      // The dead-letter topic first: the bridge's subscription names it in its dead-letter policy.
      await ensureTopicWithSubscription(pubsub, deadLetterTopicName(topic), deadLetterSubscriptionName(topic));
      // The bridge watches each dead-letter topic too, to alert what Pub/Sub moved there.
      await ignoringExisting(() => pubsub.topic(deadLetterTopicName(topic)).createSubscription(bridgeSubscriptionName(deadLetterTopicName(topic)), { ackDeadlineSeconds: 60 }));
      await ensureTopicWithSubscription(pubsub, topic, bridgeSubscriptionName(topic), deadLetterTopicName(topic));
    }),
    ...topics.triggerTopics.map((topic) => ensureTopicWithSubscription(pubsub, topic, triggerSubscriptionName(topic))),
  ]);
}
