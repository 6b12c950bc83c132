/**
 * Whether the bridge can reach Temporal, from its own signal calls and a periodic check. `/health` says so at
 * once; an outage that lasts `alertAfterMs` raises a critical alert, and again every `realertMs` while it lasts
 * (docs/contract.md §8 failure 8: a week without a single line must be impossible); the recovery is announced
 * too. The wait keeps a loaded server's slow answers from paging someone twice a minute: under load, single
 * checks time out and the next one passes, and every such blip used to be an alert and a recovery.
 */
import type { Alert } from '../activities/activity-contracts';
import { errorSummary } from '../activities/google-error-codes';
import type { ServiceLogger } from '../service/logger';

export interface ReachabilityDeps {
  sendAlert: (alert: Alert) => Promise<unknown>;
  log: ServiceLogger;
  onChange?: (reachable: boolean) => void;
  address: string;
  realertMs?: number;
  /** Unreachable this long before the first alert (default 30 s); 0 alerts on the first failure. */
  alertAfterMs?: number;
  now?: () => number;
}

export class TemporalReachability {
  private unreachableSince: number | null = null;
  private lastError: string | null = null;
  private lastAlertAt = 0;
  private alertsSent = 0;
  private readonly realertMs: number;
  private readonly alertAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: ReachabilityDeps) {
    this.realertMs = deps.realertMs ?? 15 * 60_000;
    this.alertAfterMs = deps.alertAfterMs ?? 30_000;
    this.now = deps.now ?? Date.now;
  }

  succeeded(): void {
    if (this.unreachableSince === null) return;
    const minutes = ((this.now() - this.unreachableSince) / 60_000).toFixed(1);
    this.deps.log.info(`Temporal at ${this.deps.address} is reachable again after ${minutes} min; redelivered messages will now be signalled`);
    // Nobody was told of a blip shorter than alertAfterMs, so nobody needs to hear it is over.
    if (this.alertsSent > 0) this.raise({
      severity: 'info',
      title: 'Bridge reaches Temporal again',
      text: `Completion messages flow again after ${minutes} min without Temporal. Messages were not acknowledged meanwhile and are redelivered.`,
      dedupKey: `bridge:temporal-unreachable:${this.bucket(this.now())}:recovered`,
    });
    this.unreachableSince = null;
    this.lastError = null;
    this.alertsSent = 0;
    this.deps.onChange?.(true);
  }

  failed(error: unknown): void {
    this.lastError = errorSummary(error);
    const now = this.now();
    if (this.unreachableSince === null) {
      this.unreachableSince = now;
      this.deps.onChange?.(false);
      this.deps.log.warn(`cannot reach Temporal at ${this.deps.address}: ${this.lastError}; messages are not acknowledged until it answers`);
    }
    if (now - this.unreachableSince < this.alertAfterMs) return;
    if (this.alertsSent > 0 && now - this.lastAlertAt < this.realertMs) return;
    this.alertsSent += 1;
    this.raise({
      severity: 'critical',
      title: `Bridge cannot reach Temporal${this.alertsSent > 1 ? ' (still)' : ''}`,
      text:
        `Since ${new Date(this.unreachableSince).toISOString()} the bridge cannot signal Temporal at ${this.deps.address} (${this.lastError}). ` +
        'No completion message is acknowledged meanwhile (Pub/Sub redelivers them), so no transition runs until Temporal answers.',
      dedupKey: `bridge:temporal-unreachable:${this.bucket(now)}`,
    });
    this.lastAlertAt = now;
  }

  health(): { healthy: boolean; error: string | null } {
    if (this.unreachableSince === null) return { healthy: true, error: null };
    return { healthy: false, error: `unreachable since ${new Date(this.unreachableSince).toISOString()}: ${this.lastError}` };
  }

  /**
   * The `realertMs` slot of the clock an alert falls in: every replica notices an outage within seconds, each at its
   * own moment, and the slot (not that moment) goes into the dedup key, so their alerts share a key except when
   * they straddle a slot's edge.
   */
  private bucket(at: number): string {
    return new Date(Math.floor(at / this.realertMs) * this.realertMs).toISOString();
  }

  private raise(alert: Omit<Alert, 'timestamp'>): void {
    this.deps.sendAlert({ ...alert, timestamp: new Date(this.now()).toISOString() }).catch((error: unknown) => {
      this.deps.log.error(`ALERT NOT DELIVERED: ${alert.title}: ${errorSummary(error)}`);
    });
  }
}
