/**
 * The two ceilings the product is compared with, measured on the same stack:
 * - Temporal alone: the same completion signals sent by a plain client loop with signalWithStart;
 * - Pub/Sub alone: the same message bodies published, streamed back and acknowledged, no Temporal.
 */
import { randomUUID } from 'node:crypto';
import type { Message, PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import type { CompletionSignal } from '../pipeline/completion-message';
import type { PipelineDefinition } from '../pipeline/pipeline-definition';
import { completionSignal, GAME_DATE_WORKFLOW_TYPE, gameDateWorkflowId, type GameDateWorkflowInput } from '../workflows/game-date-messages';
import type { SeasonMessage } from './season';

export interface CeilingResult {
  messages: number;
  perSecond: number;
  seconds: number;
  /** Calls refused by the server and sent again (signalWithStart only). */
  retries?: number;
}

/** signalWithStart for every message, `concurrency` calls in flight, as the bridge would send them. */
export async function signalWithStartCeiling(client: Client, definition: PipelineDefinition, taskQueue: string, messages: SeasonMessage[], concurrency: number): Promise<CeilingResult> {
  let next = 0;
  let retries = 0;
  const started = Date.now();
  const lane = async (): Promise<void> => {
    while (next < messages.length) {
      const message = messages[next++]!;
      const input: GameDateWorkflowInput = { definition, gameDate: message.gameDate };
      const signal: CompletionSignal = { messageId: randomUUID(), topic: message.topic, publishTime: new Date().toISOString(), message: message.body };
      const send = () =>
        client.workflow.signalWithStart(GAME_DATE_WORKFLOW_TYPE, {
          workflowId: gameDateWorkflowId(definition.pipeline, message.gameDate),
          taskQueue,
          args: [input],
          signal: completionSignal,
          signalArgs: [signal],
        });
      // Like the bridge (which nacks and gets the message again), a call the overloaded server refused is sent again.
      for (let attempt = 1; ; attempt++) {
        try {
          await send();
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
          retries += 1;
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, lane));
  const seconds = (Date.now() - started) / 1000;
  return { messages: messages.length, perSecond: messages.length / seconds, seconds, retries };
}

/** Publish → streaming pull → ack on a topic of its own, with the bridge's flow control. */
export async function pubsubCeiling(pubsub: PubSub, messages: SeasonMessage[], maxInFlight: number, timeoutMs: number): Promise<CeilingResult> {
  const name = `bench-ceiling-${randomUUID().slice(0, 8)}`;
  const [topic] = await pubsub.createTopic(name);
  await topic.createSubscription(`${name}-sub`, { ackDeadlineSeconds: 60 });
  const subscription = pubsub.subscription(`${name}-sub`, { flowControl: { maxMessages: maxInFlight, allowExcessMessages: false } });
  const seen = new Set<string>();
  const started = Date.now();
  try {
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Pub/Sub ceiling: ${seen.size}/${messages.length} messages after ${timeoutMs / 1000} s`)), timeoutMs);
      subscription.on('message', (message: Message) => {
        message.ack();
        seen.add(message.id);
        if (seen.size >= messages.length) {
          clearTimeout(timer);
          resolve();
        }
      });
      subscription.on('error', reject);
    });
    const publisher = pubsub.topic(name, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
    await Promise.all(messages.map((m) => publisher.publishMessage({ data: Buffer.from(JSON.stringify(m.body)) })));
    await done;
    const seconds = (Date.now() - started) / 1000;
    return { messages: messages.length, perSecond: messages.length / seconds, seconds };
  } finally {
    await subscription.close();
    await subscription.delete().catch(() => undefined);
    await topic.delete().catch(() => undefined);
  }
}
