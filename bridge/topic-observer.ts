/**
 * Each bridge replica's own view of its completion topics, for the silent-topic watcher. Replicas share the
 * `-orchestrator` subscriptions, and Pub/Sub may give one replica all of a topic's messages and another none: what
 * a replica received says nothing about whether the topic is silent. So every replica also reads each completion
 * topic through a subscription of its own (every message, acknowledged at once, bodies ignored) and judges silence
 * from that: all replicas then see the same traffic, and the same publish times.
 *
 * The subscriptions are this process's: created at start, deleted at shutdown, and, should the process die
 * without deleting them, removed by Pub/Sub after a day unused (expiration policy). When one cannot be created
 * (e.g. the service account lacks the permission), the watcher falls back to what this replica received, which
 * is right for a single replica only.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { errorSummary } from '../activities/google-error-codes';
import type { ServiceLogger } from '../service/logger';

export interface TopicObserverOptions {
  pubsub: PubSub;
  topics: string[];
  /** This replica's subscription name for a topic. */
  subscriptionName: (topic: string) => string;
  onTraffic: (topic: string, publishedAt: number) => void;
  /** A topic this replica could not observe on its own (after start, or when its stream broke). */
  onUnavailable?: (topic: string, error: string) => void;
  log: ServiceLogger;
}

const ALREADY_EXISTS = 6;
const REOPEN_MS = 30_000;

export class TopicObserver {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly errors = new Map<string, string>();
  private stopped = false;

  constructor(private readonly options: TopicObserverOptions) {}

  /** Creates and opens every topic's subscription; one that fails is retried in the background. */
  async start(): Promise<void> {
    await Promise.all(this.options.topics.map((topic) => this.open(topic)));
  }

  /** Topics observed through this replica's own subscription, and the error of each that is not. */
  status(): { observed: string[]; unavailable: Record<string, string> } {
    return { observed: [...this.subscriptions.keys()], unavailable: Object.fromEntries(this.errors) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(
      [...this.subscriptions.values()].map(async (subscription) => {
        await subscription.close();
        await subscription.delete();
      }),
    );
    this.subscriptions.clear();
  }

  private async open(topic: string): Promise<void> {
    if (this.stopped) return;
    const name = this.options.subscriptionName(topic);
    try {
      await this.options.pubsub
        .topic(topic)
        .createSubscription(name, {
          ackDeadlineSeconds: 10,
          // The minimums: nothing here is worth keeping, and a leftover of a killed process goes away by itself.
          messageRetentionDuration: { seconds: 600 },
          expirationPolicy: { ttl: { seconds: 86_400 } },
        })
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
        });
    } catch (error) {
      this.unavailable(topic, `cannot create ${name}: ${errorSummary(error)}`);
      return;
    }
    if (this.stopped) {
      await this.options.pubsub.subscription(name).delete().catch(() => undefined);
      return;
    }
    const subscription = this.options.pubsub.subscription(name, { flowControl: { maxMessages: 50 }, streamingOptions: { maxStreams: 1 } });
    subscription.on('message', (message: Message) => {
      message.ack();
      this.options.onTraffic(topic, message.publishTime.getTime());
    });
    subscription.on('error', (error: unknown) => {
      subscription.removeAllListeners();
      void subscription.close().catch(() => undefined);
      this.subscriptions.delete(topic);
      this.unavailable(topic, `${name} failed: ${errorSummary(error)}`);
    });
    this.subscriptions.set(topic, subscription);
    this.errors.delete(topic);
  }

  private unavailable(topic: string, error: string): void {
    this.errors.set(topic, error);
    this.options.log.warn({ topic, error }, `silence watch on ${topic} falls back to this replica's deliveries (${error}); retrying in ${REOPEN_MS / 1000} s`);
    this.options.onUnavailable?.(topic, error);
    setTimeout(() => void this.open(topic), REOPEN_MS).unref();
  }
}
