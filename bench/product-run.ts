/**
 * The product path end to end: publish a season to the completion topics, let the real bridge signal the
 * workflows and the real worker publish the triggers, and measure ingest rate and trigger latency.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { bridgeAcknowledged } from './bench-environment';
import { latencySummary, type LatencySummary } from './latency';
import type { TimedTrigger } from './latency-breakdown';
import type { Season, SeasonMessage } from './season';
import type { TriggerListener } from './trigger-listener';

export interface ProductRunOptions {
  pubsub: PubSub;
  bridgeMetricsUrl: string;
  listener: TriggerListener;
  season: Season;
  /** Messages per second; undefined publishes everything at once (a backlog, for throughput). */
  ratePerSecond?: number;
  /** How long to wait for the bridge and the triggers before reporting what is missing. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface ProductRunResult {
  messages: number;
  /**
   * Pub/Sub id → `topic game-date` of each message published, for `measureIngest` (bench/ingest.ts), which reads
   * what reached the workflows and names what did not.
   */
  messageIds: Map<string, string>;
  /** When publishing began, ms since the epoch. */
  startedAt: number;
  /**
   * The bridge's acknowledged counter over the run: progress only, since it counts a redelivered message again
   * (also a late redelivery of an earlier run's message), so it can pass `messages` before all were ingested.
   */
  acknowledged: number;
  triggersExpected: number;
  triggersReceived: number;
  /** Last completion of a transition published → its trigger received. */
  latencyMs: LatencySummary;
  /** Trigger key → when its last needed completion was published and when it arrived, for latencyBreakdown. */
  timed: Map<string, TimedTrigger>;
  /** When the last of the season's triggers arrived, ms since the epoch. */
  lastTriggerAt: number;
  /** Triggers slower than the paced target, and when into the run (s) their last completion was published. */
  slow: { count: number; firstDueSeconds: number | null; lastDueSeconds: number | null };
}

/** The paced run's latency target: slower triggers are counted and placed in time, to tell what delayed them. */
export const PACED_TARGET_MS = 250;

/** Publishes the messages (at a rate, or all at once); records their ids, and when each message that readies a trigger was published. */
async function publishSeason(pubsub: PubSub, messages: SeasonMessage[], ratePerSecond: number | undefined, publishedAt: Map<string, number>, messageIds: Map<string, string>): Promise<void> {
  const topics = new Map(
    [...new Set(messages.map((m) => m.topic))].map((name) => [name, pubsub.topic(name, { batching: { maxMessages: 100, maxMilliseconds: 5 } })]),
  );
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (const [index, message] of messages.entries()) {
    if (ratePerSecond) {
      const due = started + (index * 1000) / ratePerSecond;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    pending.push(
      topics
        .get(message.topic)!
        .publishMessage({ data: Buffer.from(JSON.stringify({ ...message.body, timestamp: new Date().toISOString() })) })
        .then((id) => {
          messageIds.set(id, `${message.topic} ${message.gameDate}`);
          if (message.readies) publishedAt.set(message.readies, Date.now());
        }),
    );
  }
  await Promise.all(pending);
}

export async function runProduct(options: ProductRunOptions): Promise<ProductRunResult> {
  const { season, listener, log } = options;
  const messages = season.messages.length;
  const baseline = await bridgeAcknowledged(options.bridgeMetricsUrl);
  const publishedAt = new Map<string, number>();
  const messageIds = new Map<string, string>();
  const started = Date.now();
  const publishing = publishSeason(options.pubsub, season.messages, options.ratePerSecond, publishedAt, messageIds);

  // The bridge acknowledges a message only once Temporal durably accepted its signal. Its counter tells when
  // to stop waiting; the ingest figures themselves are read from the histories afterwards (measureIngest).
  let acknowledged: number;
  const deadline = started + options.timeoutMs;
  for (;;) {
    acknowledged = (await bridgeAcknowledged(options.bridgeMetricsUrl).catch(() => baseline)) - baseline;
    if (acknowledged >= messages || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await publishing;
  log(`  bridge counter: ${acknowledged}/${messages} acknowledged after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const keys = season.triggers.map((t) => t.key);
  // At least a minute after the last ack: a late trigger is measured as late, not reported missing.
  const missing = await listener.waitFor(keys, Math.max(60_000, deadline - Date.now()));
  if (missing.length) log(`  ${missing.length} of ${keys.length} triggers missing, e.g. ${missing.slice(0, 3).join(', ')}`);

  const latencies: number[] = [];
  const slowDue: number[] = [];
  const timed = new Map<string, TimedTrigger>();
  let lastTriggerAt = started;
  for (const trigger of season.triggers) {
    const received = listener.received.get(trigger.key);
    const due = Math.max(...trigger.needs.map((need) => publishedAt.get(need) ?? Number.NaN));
    if (received !== undefined) lastTriggerAt = Math.max(lastTriggerAt, received);
    if (received === undefined || !Number.isFinite(due)) continue;
    latencies.push(received - due);
    timed.set(trigger.key, { dueAt: due, receivedAt: received });
    if (received - due > PACED_TARGET_MS) slowDue.push((due - started) / 1000);
  }
  return {
    messages,
    messageIds,
    startedAt: started,
    acknowledged,
    triggersExpected: keys.length,
    triggersReceived: keys.length - missing.length,
    latencyMs: latencySummary(latencies),
    timed,
    lastTriggerAt,
    slow: { count: slowDue.length, firstDueSeconds: slowDue.length ? Math.min(...slowDue) : null, lastDueSeconds: slowDue.length ? Math.max(...slowDue) : null },
  };
}
