/**
 * Bridge side: notices a completion topic that has gone quiet. The bridge calls `record(topic, publishedAt)` for every
 * message on the topic (each replica reads every message through a subscription of its own, `bridge/topic-observer.ts`,
 * so replicas sharing the `-orchestrator` subscriptions see the same traffic) and `check(now)` on a timer; during
 * the active window (local time of the pipeline), a topic silent for longer than its threshold raises an alert, and
 * a "resolved" notice when traffic returns. Alerts go straight to the alert sender, not through Temporal, so they
 * work when the worker is down. Their dedup keys name the silence by its last message's publish time, which every
 * replica saw alike, so replicas alerting the same silence raise the same key.
 */
import type { Alert } from '../activities/activity-contracts';

export interface SilentTopicWatcherOptions {
  pipeline: string;
  /** Each completion topic with its silence threshold. */
  topics: { topic: string; thresholdMs: number }[];
  timeZone: string;
  /** Local `HH:MM` times; silence outside the window is expected (no games at night) and never alerts. */
  activeWindow: { start: string; end: string };
  sendAlert: (alert: Alert) => Promise<unknown>;
  now?: () => number;
}

interface TopicState {
  thresholdMs: number;
  /** Latest message, or the process start before any. */
  lastMessageAt: number;
  /** Publish time of the latest message seen, if any. */
  lastPublishedAt: number | null;
  /** Dedup key of the silence alerted, while it lasts. */
  alerted: string | null;
}

export class SilentTopicWatcher {
  private readonly topics = new Map<string, TopicState>();
  private lastError: string | null = null;

  constructor(private readonly options: SilentTopicWatcherOptions) {
    const start = (options.now ?? Date.now)();
    // A fresh process gives every topic one full threshold before calling it silent.
    for (const { topic, thresholdMs } of options.topics) this.topics.set(topic, { thresholdMs, lastMessageAt: start, lastPublishedAt: null, alerted: null });
  }

  /** Call for every message on a completion topic (valid or not: traffic is traffic), with its publish time if known. */
  record(topic: string, at = (this.options.now ?? Date.now)()): Promise<void> {
    const state = this.topics.get(topic);
    if (!state) return Promise.resolve();
    state.lastMessageAt = Math.max(state.lastMessageAt, at);
    state.lastPublishedAt = Math.max(state.lastPublishedAt ?? at, at);
    if (!state.alerted) return Promise.resolve();
    const dedupKey = `${state.alerted}:resolved`;
    state.alerted = null;
    return this.send({
      severity: 'info',
      title: `Completion topic ${topic} has traffic again`,
      text: `A message arrived on ${topic}; the silence alert is resolved.`,
      dedupKey,
      timestamp: new Date(at).toISOString(),
    });
  }

  /** Alerts every topic that just crossed its threshold inside the active window; returns the silent ones. */
  async check(now = (this.options.now ?? Date.now)()): Promise<string[]> {
    const silent: string[] = [];
    const active = inWindow(now, this.options.timeZone, this.options.activeWindow);
    for (const [topic, state] of this.topics) {
      const quietFor = now - state.lastMessageAt;
      if (quietFor < state.thresholdMs) continue;
      silent.push(topic);
      if (!active || state.alerted) continue;
      // Named by the last message every replica saw (or, before any, the local day), not by this process.
      const since = state.lastPublishedAt === null ? `none-on-${localDate(now, this.options.timeZone)}` : new Date(state.lastPublishedAt).toISOString();
      state.alerted = `${this.options.pipeline}:silent-topic:${topic}:since:${since}`;
      const minutes = Math.round(quietFor / 60_000);
      const last = state.lastPublishedAt === null ? 'no message since the bridge started' : `last one published at ${new Date(state.lastPublishedAt).toISOString()}`;
      await this.send({
        severity: 'error',
        title: `No message on ${topic} for ${minutes} min`,
        text: `Nothing has been published to ${topic} for ${minutes} min (${last}; threshold ${Math.round(state.thresholdMs / 60_000)} min) during the active window. Check the producers of this phase and the subscription's permissions.`,
        dedupKey: state.alerted,
        timestamp: new Date(now).toISOString(),
      });
    }
    return silent;
  }

  /** Health contribution: unhealthy while a silence is alerted, or when the last alert could not be sent. */
  health(): { healthy: boolean; error: string | null } {
    const silent = [...this.topics].filter(([, s]) => s.alerted).map(([t]) => t);
    if (this.lastError) return { healthy: false, error: `silent-topic alert not delivered: ${this.lastError}` };
    return silent.length ? { healthy: false, error: `silent topics: ${silent.join(', ')}` } : { healthy: true, error: null };
  }

  private async send(alert: Alert): Promise<void> {
    try {
      await this.options.sendAlert(alert);
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }
}

function localDate(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** True when `at` falls inside [start, end] local time in the zone (a window may wrap midnight). */
export function inWindow(at: number, timeZone: string, window: { start: string; end: string }): boolean {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return window.start <= window.end ? local >= window.start && local <= window.end : local >= window.start || local <= window.end;
}
