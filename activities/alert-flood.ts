/**
 * One store outage is seen by every open date: each date's workflow raises its own "BigQuery unavailable for
 * <date>" (and later "… writes recovered for <date>"), so a backfill of 250 open dates turned one outage into
 * 250 alerts. This guard, around a worker's alert sender, folds them per outage class: the first alert of a
 * class goes out at once and opens a window; the next ones of that class within it are counted (their activity
 * succeeds: the condition has been told), and when the window ends one summary names how many more dates said
 * the same and which. While they keep coming the window rolls on; a window with nothing counted closes.
 *
 * Never silent: an alert is only counted once its class's first alert was delivered. A summary no channel took
 * stays pending and is tried again each tick (the sender marks the alert path red in `/health` meanwhile). Each
 * date's own state still lists the outage (`status.outages`). What a process counted but had not summarised
 * when it was SIGKILLed is lost as a count only: the first alert of that outage was delivered.
 */
import type { Alert } from './activity-contracts';

/** `<pipeline>:<date>:outage:<store>[:resolved]:<n>`, the writer's keys: their class is the store and the side. */
const OUTAGE_KEY = /^([^:]+):(\d{4}-\d{2}-\d{2}):outage:([a-z]+)(:resolved)?:/;

export function floodClass(alert: Alert): { key: string; pipeline: string; gameDate: string; store: string; resolved: boolean } | null {
  const match = OUTAGE_KEY.exec(alert.dedupKey);
  if (!match) return null;
  const [, pipeline, gameDate, store, resolved] = match as unknown as [string, string, string, string, string | undefined];
  return { key: `${pipeline}:outage:${store}${resolved ? ':resolved' : ''}`, pipeline, gameDate, store, resolved: Boolean(resolved) };
}

interface Episode {
  first: Alert;
  windowStartedAt: number;
  windowEndsAt: number;
  count: number;
  sampleDates: string[];
}

export interface AlertFloodOptions {
  windowMs: number;
  /** How often windows are checked (default 5 s). */
  tickMs?: number;
  sampleSize?: number;
  now?: () => number;
}

export interface AlertFloodGuard<R> {
  send(alert: Alert): Promise<R | { aggregated: true }>;
  /** Sends every summary due now (or all pending ones, at shutdown). */
  flush(options?: { all?: boolean }): Promise<void>;
  /** Alerts counted and not yet summarised. */
  pending(): number;
  stop(): void;
}

export function createAlertFloodGuard<R>(send: (alert: Alert) => Promise<R>, options: AlertFloodOptions): AlertFloodGuard<R> {
  const now = options.now ?? Date.now;
  const sampleSize = options.sampleSize ?? 10;
  const episodes = new Map<string, Episode>();
  let flushing: Promise<void> | null = null;

  const summary = (key: string, e: Episode): Alert => {
    const cls = floodClass(e.first)!;
    const what = cls.resolved ? `writes recovered` : `unavailable`;
    const more = e.count - e.sampleDates.length;
    return {
      severity: e.first.severity,
      title: `${e.first.title.replace(/ for \d{4}-\d{2}-\d{2}$/, '')} for ${e.count} more dates`,
      text:
        `Besides ${cls.gameDate} (alerted at ${e.first.timestamp}), ${e.count} more open dates reported ${cls.store} ${what} ` +
        `between ${new Date(e.windowStartedAt).toISOString()} and ${new Date(now()).toISOString()}: ${e.sampleDates.join(', ')}${more > 0 ? ` and ${more} more` : ''}. ` +
        'Each date keeps its rows until the store accepts them; `npm run operator -- stuck` lists dates with pending writes.',
      dedupKey: `${key}:summary:${new Date(e.windowStartedAt).toISOString()}`,
      timestamp: new Date(now()).toISOString(),
    };
  };

  const flush = async ({ all = false } = {}): Promise<void> => {
    for (const [key, e] of episodes) {
      if (!all && now() < e.windowEndsAt) continue;
      if (e.count === 0) {
        episodes.delete(key);
        continue;
      }
      try {
        await send(summary(key, e));
      } catch {
        continue; // Kept, counted on, and tried again next tick.
      }
      Object.assign(e, { windowStartedAt: now(), windowEndsAt: now() + options.windowMs, count: 0, sampleDates: [] });
    }
  };
  const timer = setInterval(() => {
    flushing ??= flush().finally(() => (flushing = null));
  }, options.tickMs ?? 5_000);
  timer.unref();

  return {
    async send(alert) {
      const cls = options.windowMs > 0 ? floodClass(alert) : null;
      if (!cls) return send(alert);
      const open = episodes.get(cls.key);
      if (open) {
        open.count += 1;
        if (open.sampleDates.length < sampleSize) open.sampleDates.push(cls.gameDate);
        return { aggregated: true };
      }
      const result = await send(alert);
      // Opened only once delivered, so nothing is counted under an alert nobody received.
      if (!episodes.has(cls.key)) episodes.set(cls.key, { first: alert, windowStartedAt: now(), windowEndsAt: now() + options.windowMs, count: 0, sampleDates: [] });
      return result;
    },
    flush,
    pending: () => [...episodes.values()].reduce((sum, e) => sum + e.count, 0),
    stop: () => clearInterval(timer),
  };
}
