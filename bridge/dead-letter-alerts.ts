/**
 * Alerts for the bridge's own dead letters, aggregated: a flood of bad messages (one broken producer, thousands
 * of messages) must not become thousands of alerts, and must not go unheard either. Per (topic, reason class):
 * the first dead letter alerts at once and opens a window; the ones after it within the window are counted and one
 * summary (count, sample ids) goes out when the window ends. While dead letters keep coming the window rolls on
 * (one summary per window); a window that ends with nothing counted closes the episode, and the next dead letter
 * alerts at once again.
 *
 * Never silent: `report` resolves only once the dead letter was alerted or is counted in an episode whose first
 * alert was delivered, so the caller acknowledges the message only then; when it rejects, the message is nacked.
 * A summary that no channel took stays pending and is tried again (and `/health` says so) until it is delivered;
 * what it counts is in the dead-letter topic meanwhile. At shutdown every pending summary is sent at once.
 */
import type { Alert } from '../activities/activity-contracts';
import { errorSummary } from '../activities/google-error-codes';

export interface DeadLetter {
  topic: string;
  deadLetterTopic: string;
  messageId: string;
  /** The full (bounded) reason, as in the `dlq_reason` attribute. */
  reason: string;
  gameDate?: string;
}

export type DeadLetterAlertKind = 'first' | 'summary';

export interface DeadLetterAlertsOptions {
  /** Aggregation window; 0 alerts every dead letter on its own. */
  windowMs: number;
  sendAlert: (alert: Alert) => Promise<unknown>;
  /** Sample message ids named in a summary. */
  sampleSize?: number;
  /** Least time between two attempts at a summary that failed. */
  retryMs?: number;
  /** Every alert attempt, for the metrics. */
  onAlert?: (kind: DeadLetterAlertKind, topic: string, delivered: boolean) => void;
  now?: () => number;
}

interface Covered {
  count: number;
  firstId: string | null;
  firstAt: number;
  sampleIds: string[];
  gameDates: Set<string | undefined>;
}

interface Episode {
  topic: string;
  deadLetterTopic: string;
  reasonClass: string;
  /** The first alert, while it is being sent: true once delivered. */
  opening: Promise<boolean> | null;
  windowEndsAt: number;
  /** Dead letters acknowledged since the last delivered alert of this episode. */
  covered: Covered;
  sending: boolean;
  retryAt: number;
  lastError: string | null;
}

const REASON_CLASS_CHARS = 120;

/**
 * The reason without its per-message details, so that messages failing the same way aggregate: JSON errors lose
 * their position, a schema violation keeps only the fields it names (array indexes folded), and any other
 * reason loses quoted values and numbers.
 */
export function reasonClass(reason: string): string {
  if (reason.startsWith('body is not JSON')) return 'body is not JSON';
  if (reason.startsWith('body is not a JSON object')) return 'body is not a JSON object';
  const schema = /^schema violation: (.*)$/s.exec(reason);
  if (schema) {
    const fields = schema[1]!.split('; ').map((issue) => {
      const at = issue.indexOf(': ');
      return at > 0 ? issue.slice(0, at).replace(/(^|\.)\d+(?=\.|$)/g, '$1*') : scrub(issue);
    });
    return `schema violation: ${[...new Set(fields)].sort().join(', ')}`.slice(0, REASON_CLASS_CHARS);
  }
  return scrub(reason).slice(0, REASON_CLASS_CHARS);
}

function scrub(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/'(?:[^'\\]|\\.)*'/g, "'…'").replace(/\d+/g, '#').replace(/…+$/, '');
}

export class DeadLetterAlerts {
  private readonly episodes = new Map<string, Episode>();
  private readonly sampleSize: number;
  private readonly retryMs: number;

  constructor(private readonly options: DeadLetterAlertsOptions) {
    this.sampleSize = options.sampleSize ?? 5;
    this.retryMs = options.retryMs ?? 30_000;
  }

  /** Resolves once the dead letter is alerted (`first`) or counted for a summary (`counted`); rejects when neither. */
  async report(letter: DeadLetter): Promise<'first' | 'counted'> {
    const cls = reasonClass(letter.reason);
    const key = `${letter.topic}\n${cls}`;
    for (;;) {
      const episode = this.episodes.get(key);
      if (!episode || this.options.windowMs <= 0) break;
      // Another message of this class is being alerted: it either opens the episode or, failing, leaves it to this one.
      if (episode.opening && !(await episode.opening)) continue;
      count(episode.covered, letter, this.sampleSize, this.now());
      return 'counted';
    }
    if (this.options.windowMs <= 0) {
      await this.send('first', letter.topic, this.firstAlert(letter, cls));
      return 'first';
    }
    const episode: Episode = {
      topic: letter.topic,
      deadLetterTopic: letter.deadLetterTopic,
      reasonClass: cls,
      opening: null,
      windowEndsAt: 0,
      covered: emptyCovered(),
      sending: false,
      retryAt: 0,
      lastError: null,
    };
    let failure: unknown;
    episode.opening = this.send('first', letter.topic, this.firstAlert(letter, cls)).then(
      () => true,
      (error: unknown) => {
        failure = error;
        return false;
      },
    );
    this.episodes.set(key, episode);
    const delivered = await episode.opening;
    episode.opening = null;
    if (!delivered) {
      // Messages that waited on this alert were counted only if it was delivered; they try again themselves.
      if (this.episodes.get(key) === episode) this.episodes.delete(key);
      throw failure;
    }
    episode.windowEndsAt = this.now() + this.options.windowMs;
    return 'first';
  }

  /**
   * Sends the summary of every window that has ended (all of them with `all`, at shutdown) and closes the episodes
   * whose window counted nothing. A summary that fails stays pending and is retried after `retryMs`.
   */
  async flush(options: { all?: boolean } = {}): Promise<void> {
    const now = this.now();
    const due = [...this.episodes].filter(([, e]) => !e.opening && !e.sending && (options.all || (now >= e.windowEndsAt && now >= e.retryAt)));
    await Promise.all(
      due.map(async ([key, episode]) => {
        if (episode.covered.count === 0) {
          this.episodes.delete(key);
          return;
        }
        const batch = episode.covered;
        episode.covered = emptyCovered();
        episode.sending = true;
        try {
          await this.send('summary', episode.topic, this.summaryAlert(episode, batch, now));
          episode.lastError = null;
          // Still flooding, maybe: the next window counts on, and ends in the next summary or closes the episode.
          episode.windowEndsAt = this.now() + this.options.windowMs;
        } catch (error) {
          episode.covered = merge(batch, episode.covered, this.sampleSize);
          episode.lastError = errorSummary(error);
          episode.retryAt = this.now() + this.retryMs;
        } finally {
          episode.sending = false;
        }
      }),
    );
  }

  /** Dead letters acknowledged whose alert (a summary) has not been delivered yet. */
  awaitingAlert(): number {
    return [...this.episodes.values()].reduce((sum, e) => sum + e.covered.count, 0);
  }

  /** Unhealthy while a summary that is due could not be delivered. */
  health(): { healthy: boolean; error: string | null } {
    const failed = [...this.episodes.values()].filter((e) => e.lastError !== null);
    if (failed.length === 0) return { healthy: true, error: null };
    return {
      healthy: false,
      error: failed.map((e) => `${e.covered.count} dead letter(s) in ${e.deadLetterTopic} (${e.reasonClass}) not alerted yet: ${e.lastError}`).join('; '),
    };
  }

  private firstAlert(letter: DeadLetter, cls: string): Alert {
    const { topic, deadLetterTopic: dlq, messageId, reason } = letter;
    const minutes = this.options.windowMs / 60_000;
    const aggregated = this.options.windowMs > 0 ? ` Further messages on ${topic} failing the same way (${cls}) within ${formatMinutes(minutes)} are counted and summarised in one alert.` : '';
    return {
      severity: 'error',
      title: `Invalid completion message moved to ${dlq}`,
      text: `Message ${messageId} on ${topic} cannot be processed: ${reason}. Its body is kept in ${dlq} (attributes dlq_reason, source_topic, source_message_id); fix the producer, then republish it to ${topic} if it matters.${aggregated}`,
      ...(letter.gameDate ? { gameDate: letter.gameDate } : {}),
      // The message id, not the replica: every replica that dead-letters this message raises the same key.
      dedupKey: `bridge:dead-letter:${topic}:${messageId}`,
      timestamp: new Date(this.now()).toISOString(),
    };
  }

  private summaryAlert(episode: Episode, batch: Covered, now: number): Alert {
    const { topic, deadLetterTopic: dlq, reasonClass: cls } = episode;
    const dates = [...batch.gameDates];
    const more = batch.count > batch.sampleIds.length ? ', …' : '';
    return {
      severity: 'error',
      title: `${batch.count} more invalid completion message${batch.count === 1 ? '' : 's'} moved to ${dlq}`,
      text:
        `Since ${new Date(batch.firstAt).toISOString()}, ${batch.count} more message(s) on ${topic} failed the same way (${cls}) and were moved to ${dlq}, ` +
        `each with its own dlq_reason; for example ${batch.sampleIds.join(', ')}${more}. Fix the producer, then republish them to ${topic} if they matter.`,
      ...(dates.length === 1 && dates[0] ? { gameDate: dates[0] } : {}),
      // Named after the first message it covers: replicas count different messages, so their summaries differ.
      dedupKey: `bridge:dead-letter-summary:${topic}:${batch.firstId ?? 'none'}`,
      timestamp: new Date(now).toISOString(),
    };
  }

  private async send(kind: DeadLetterAlertKind, topic: string, alert: Alert): Promise<void> {
    try {
      await this.options.sendAlert(alert);
      this.options.onAlert?.(kind, topic, true);
    } catch (error) {
      this.options.onAlert?.(kind, topic, false);
      throw error;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function emptyCovered(): Covered {
  return { count: 0, firstId: null, firstAt: 0, sampleIds: [], gameDates: new Set() };
}

function count(covered: Covered, letter: DeadLetter, sampleSize: number, now: number): void {
  if (covered.count === 0) {
    covered.firstId = letter.messageId;
    covered.firstAt = now;
  }
  covered.count += 1;
  if (covered.sampleIds.length < sampleSize) covered.sampleIds.push(letter.messageId);
  if (covered.gameDates.size <= 1) covered.gameDates.add(letter.gameDate);
}

/** A batch whose summary failed, followed by what was counted while it was being sent. */
function merge(older: Covered, newer: Covered, sampleSize: number): Covered {
  if (newer.count === 0) return older;
  return {
    count: older.count + newer.count,
    firstId: older.firstId,
    firstAt: older.firstAt,
    sampleIds: [...older.sampleIds, ...newer.sampleIds].slice(0, sampleSize),
    gameDates: new Set([...older.gameDates, ...newer.gameDates]),
  };
}

function formatMinutes(minutes: number): string {
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${Math.round(minutes * 60)} s`;
}
