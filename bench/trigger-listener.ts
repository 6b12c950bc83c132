/** Reads every trigger topic's reader subscription and notes when each expected trigger first arrived. */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { triggerSubscriptionName } from '../contract/pipeline-topics';
import { triggerKeyOf } from './season';

export class TriggerListener {
  /** Trigger key → epoch ms it was first received. */
  readonly received = new Map<string, number>();
  private readonly subscriptions: Subscription[] = [];
  private waiters: (() => void)[] = [];

  constructor(pubsub: PubSub, definition: PipelineDefinition) {
    const topics = [...new Set(definition.transitions.map((t) => t.outputTopic))];
    for (const topic of topics) {
      const subscription = pubsub.subscription(triggerSubscriptionName(topic), { flowControl: { maxMessages: 2_000 } });
      subscription.on('message', (message: Message) => this.onMessage(message));
      subscription.on('error', (error: unknown) => process.stderr.write(`[bench] trigger subscription ${topic}: ${String(error)}\n`));
      this.subscriptions.push(subscription);
    }
  }

  private onMessage(message: Message): void {
    const at = Date.now();
    message.ack();
    try {
      const key = triggerKeyOf(message.attributes.transition ?? '', JSON.parse(message.data.toString('utf8')) as Record<string, unknown>);
      if (key && !this.received.has(key)) this.received.set(key, at);
    } catch {
      // Not a trigger the bench can read; nothing waits for it.
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once every key arrived, or after `timeoutMs`; returns the keys still missing. */
  async waitFor(keys: string[], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = keys.filter((key) => !this.received.has(key));
      const left = deadline - Date.now();
      if (missing.length === 0 || left <= 0) return missing;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.close()));
  }
}
