/**
 * Bridge side: notices a completion topic that has gone quiet. The bridge calls `record(topic)` for every
 * message it receives and `check(now)` on a timer; during the active window (local time of the pipeline), a
 * topic silent for longer than its threshold raises an alert, and a "resolved" notice when traffic returns.
 * Alerts go straight to the alert sender, not through Temporal, so they work when the worker is down.
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
  lastMessageAt: number;
  alerted: boolean;
}

export class SilentTopicWatcher {
  private readonly topics = new Map<string, TopicState>();
  private lastError: string | null = null;

  constructor(private readonly options: SilentTopicWatcherOptions) {
    const start = (options.now ?? Date.now)();
    // A fresh process gives every topic one full threshold before calling it silent.
    for (const { topic, thresholdMs } of options.topics) this.topics.set(topic, { thresholdMs, lastMessageAt: start, alerted: false });
  }

  /** Call for every message received on a completion topic (valid or not: traffic is traffic). */
  record(topic: string, at = (this.options.now ?? Date.now)()): Promise<void> {
    const state = this.topics.get(topic);
    if (!state) return Promise.resolve();
    state.lastMessageAt = Math.max(state.lastMessageAt, at);
    if (!state.alerted) return Promise.resolve();
    state.alerted = false;
    return this.send({
      severity: 'info',
      title: `Completion topic ${topic} has traffic again`,
      text: `A message arrived on ${topic}; the silence alert is resolved.`,
      dedupKey: `${this.options.pipeline}:silent-topic:${topic}:resolved`,
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
      state.alerted = true;
      await this.send({
        severity: 'error',
        title: `No message on ${topic} for ${Math.round(quietFor / 60_000)} min`,
        text: `The bridge has received nothing on ${topic} for ${Math.round(quietFor / 60_000)} min (threshold ${Math.round(state.thresholdMs / 60_000)} min) during the active window. Check the producers of this phase and the subscription's permissions.`,
        dedupKey: `${this.options.pipeline}:silent-topic:${topic}`,
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

/** True when `at` falls inside [start, end] local time in the zone (a window may wrap midnight). */
export function inWindow(at: number, timeZone: string, window: { start: string; end: string }): boolean {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return window.start <= window.end ? local >= window.start && local <= window.end : local >= window.start || local <= window.end;
}
