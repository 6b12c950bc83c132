/**
 * The two ceilings the product is compared with, measured on the same stack while it is idle (before the
 * product run):
 * - Temporal alone: the same completion signals sent by a plain client loop with signalWithStart, in the
 *   order the bridge sees them, to a task queue no worker polls;
 * - Pub/Sub alone: the same message bodies published, streamed back and acknowledged, no Temporal.
 */
import { randomUUID } from 'node:crypto';
import type { Message, PubSub } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import type { CompletionSignal } from '../contract/completion-message';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { completionSignal, GAME_DATE_WORKFLOW_TYPE, gameDateWorkflowId, type GameDateWorkflowInput } from '../workflows/game-date/messages';
import { gameDateStartMetadata } from '../workflows/game-date/start-metadata';
import type { SeasonMessage } from './season';

export interface CeilingResult {
  messages: number;
  perSecond: number;
  seconds: number;
  /** Calls refused by the server and sent again (signalWithStart only). */
  retries?: number;
}

/**
 * The messages in the order the bridge receives them: it reads one subscription per completion topic at the
 * same time, so its calls in flight are spread over the topics (and so over transitions and dates) rather than
 * queued on one date. Round-robin over per-topic queues, each topic in publish order.
 */
export function interleaveByTopic(messages: SeasonMessage[]): SeasonMessage[] {
  const queues = new Map<string, SeasonMessage[]>();
  for (const message of messages) {
    const queue = queues.get(message.topic);
    if (queue) queue.push(message);
    else queues.set(message.topic, [message]);
  }
  const result: SeasonMessage[] = [];
  for (let i = 0; result.length < messages.length; i++) for (const queue of queues.values()) if (i < queue.length) result.push(queue[i]!);
  return result;
}

/**
 * signalWithStart for every message, `concurrency` calls in flight, as the bridge would send them.
 *
 * Why it is a ceiling: the messages go interleaved across topics (`interleaveByTopic`), as the bridge sees
 * them; sent in season order, the calls in flight all hit the same few workflow ids, and Temporal serialises
 * the signals of one workflow, which made the loop slower than the product. And `taskQueue` must be one that no
 * worker polls (the bench uses `<taskQueue>-ceiling`): the started workflows then never run, so the figure is
 * what the Temporal server alone accepts, not the server plus a worker running the workflows it started.
 * Call `terminateCeilingWorkflows` afterwards so they do not linger into the product run.
 */
export async function signalWithStartCeiling(client: Client, definition: PipelineDefinition, taskQueue: string, messages: SeasonMessage[], concurrency: number): Promise<CeilingResult> {
  messages = interleaveByTopic(messages);
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
          // The same request the bridge sends, user metadata included.
          ...gameDateStartMetadata(definition, message.gameDate, { kind: 'bridge' }),
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

/** Terminates the ceiling's workflows (they wait on a task queue no worker polls); not part of the timing. */
export async function terminateCeilingWorkflows(client: Client, definition: PipelineDefinition, messages: SeasonMessage[]): Promise<void> {
  const ids = [...new Set(messages.map((m) => gameDateWorkflowId(definition.pipeline, m.gameDate)))];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) await client.workflow.getHandle(ids[next++]!).terminate('bench ceiling run finished');
  };
  await Promise.all(Array.from({ length: Math.min(16, ids.length) }, lane));
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
