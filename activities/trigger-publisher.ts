/**
 * Publishes a transition's trigger messages to its Pub/Sub topic. The workflow built the messages; this
 * activity only delivers them. Every message carries `trigger_id` so a consumer can drop a repeat when a
 * retried attempt publishes again, and `trigger_message_key` (trigger id + position) because one trigger
 * may hold several distinct messages (Phase 4 gets five, one per table).
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { PublishTriggerInput, PublishTriggerResult, TriggerMessage } from './activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from './activity-error-types';
import { GrpcStatus, errorSummary, grpcCode } from './google-error-codes';

/** Pub/Sub refuses messages over 10 MB; stay well below so a request with attributes still fits. */
const MAX_MESSAGE_BYTES = 9 * 1024 * 1024;

/** Bound the client's own retries so one attempt ends before the activity's start-to-close timeout. */
const PUBLISH_GAX_OPTIONS = { timeout: 10_000, maxRetries: 2 };

/** How long a topic that had a subscription is trusted to still have one. */
const SUBSCRIBED_TTL_MS = 60_000;

export function createTriggerPublisher(pubsub: PubSub, options: { subscribedTtlMs?: number } = {}): (input: PublishTriggerInput) => Promise<PublishTriggerResult> {
  const subscribedTtlMs = options.subscribedTtlMs ?? SUBSCRIBED_TTL_MS;
  // One Topic object per name: it owns the publisher batching queue, so reuse it across activities.
  const topics = new Map<string, Topic>();
  const topicFor = (name: string): Topic => {
    let topic = topics.get(name);
    if (!topic) {
      topic = pubsub.topic(name, { batching: { maxMilliseconds: 5 }, gaxOpts: PUBLISH_GAX_OPTIONS });
      topics.set(name, topic);
    }
    return topic;
  };
  // Topic name → until when its last check found a subscription (only a positive answer is cached).
  const subscribedUntil = new Map<string, number>();
  const requireSubscription = async (name: string, where: string): Promise<void> => {
    if ((subscribedUntil.get(name) ?? 0) > Date.now()) return;
    const count = await countSubscriptions(topicFor(name), where);
    if (count === 0) throw unsubscribed(where);
    subscribedUntil.set(name, Date.now() + subscribedTtlMs);
  };

  return async function publishTrigger(input: PublishTriggerInput): Promise<PublishTriggerResult> {
    const where = `trigger ${input.triggerId} for ${input.gameDate} (${input.transition}) on topic ${input.topic}`;
    const encoded = input.messages.map((message, index) => encodeMessage(message, index, input, where));
    await requireSubscription(input.topic, where);
    const topic = topicFor(input.topic);
    // Publish all at once; a partial success followed by a retry republishes everything, which the
    // consumer collapses by `trigger_message_key`.
    const results = await Promise.allSettled(encoded.map((message) => topic.publishMessage(message)));
    const messageIds: string[] = [];
    for (const result of results) {
      if (result.status === 'rejected') throw classifyPublishError(result.reason, where);
      messageIds.push(result.value);
    }
    const correlationId = input.messages[0]?.data.correlation_id;
    log.info('Trigger published', {
      game_date: input.gameDate,
      transition: input.transition,
      ...(typeof correlationId === 'string' ? { correlation_id: correlationId } : {}),
      topic: input.topic,
      trigger_id: input.triggerId,
      messages: messageIds.length,
    });
    return { messageIds };
  };
}

/**
 * How many subscriptions a topic has; the publisher and the worker's /health ask the same way. None found is
 * double-checked against the topic itself: some servers (the emulator) list nothing for a topic that does not exist.
 */
export async function subscriptionCount(topic: Topic, gaxOpts: { timeout: number; maxRetries: number } = PUBLISH_GAX_OPTIONS): Promise<number> {
  const [subscriptions] = await topic.getSubscriptions({ gaxOpts });
  if (subscriptions.length === 0) await topic.getMetadata(gaxOpts);
  return subscriptions.length;
}

/** `subscriptionCount`, with a Pub/Sub error classified like a publish error. */
async function countSubscriptions(topic: Topic, where: string): Promise<number> {
  try {
    return await subscriptionCount(topic);
  } catch (err) {
    throw classifyPublishError(err, where);
  }
}

function unsubscribed(where: string): ApplicationFailure {
  return ApplicationFailure.retryable(
    `Did not publish ${where}: the topic has no subscription, so Pub/Sub would drop the trigger and the next phase would never start. ` +
      'Create the next phase\'s subscription on the topic; the transition stays re-triggerable until one exists.',
    RetryableActivityErrors.triggerTopicUnsubscribed,
  );
}

function encodeMessage(
  message: TriggerMessage,
  index: number,
  input: PublishTriggerInput,
  where: string,
): { data: Buffer; attributes: Record<string, string> } {
  let json: string | undefined;
  try {
    json = JSON.stringify(message.data);
  } catch (err) {
    throw invalidPayload(`message ${index} of ${where} is not serialisable as JSON: ${errorSummary(err)}`);
  }
  if (typeof message.data !== 'object' || message.data === null || Array.isArray(message.data) || json === undefined) {
    throw invalidPayload(`message ${index} of ${where} must be a JSON object`);
  }
  const data = Buffer.from(json, 'utf8');
  if (data.length > MAX_MESSAGE_BYTES) {
    throw invalidPayload(`message ${index} of ${where} is ${data.length} bytes, above the Pub/Sub limit`);
  }
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.attributes ?? {})) {
    if (typeof value !== 'string') throw invalidPayload(`attribute ${key} of message ${index} of ${where} is not a string`);
    attributes[key] = value;
  }
  attributes.trigger_id = input.triggerId;
  attributes.trigger_message_key ??= `${input.triggerId}/${index}`;
  return { data, attributes };
}

function invalidPayload(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Invalid trigger payload: ${message}. Fix the message builder; retrying cannot help.`,
    NonRetryableActivityErrors.triggerPayloadInvalid,
  );
}

/** Missing topic, missing permission and a refused payload need an operator; anything else may pass. */
export function classifyPublishError(err: unknown, where: string): Error {
  const code = grpcCode(err);
  const detail = errorSummary(err);
  switch (code) {
    case GrpcStatus.notFound:
      return ApplicationFailure.nonRetryable(
        `Could not publish ${where}: the topic does not exist (${detail}). Create the topic, then re-run the transition.`,
        NonRetryableActivityErrors.triggerTopicNotFound,
      );
    case GrpcStatus.permissionDenied:
    case GrpcStatus.unauthenticated:
      return ApplicationFailure.nonRetryable(
        `Could not publish ${where}: permission denied (${detail}). Grant the worker roles/pubsub.publisher on the topic.`,
        NonRetryableActivityErrors.triggerPermissionDenied,
      );
    case GrpcStatus.invalidArgument:
      return ApplicationFailure.nonRetryable(
        `Could not publish ${where}: Pub/Sub refused the message as invalid (${detail}).`,
        NonRetryableActivityErrors.triggerPayloadInvalid,
      );
    default:
      return ApplicationFailure.retryable(
        `Could not publish ${where}: ${detail}. Will retry.`,
        RetryableActivityErrors.pubsubUnavailable,
      );
  }
}
