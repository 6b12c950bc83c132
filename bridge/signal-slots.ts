/**
 * A bound on the bridge's signals in flight to Temporal, handed out live dates first. A backfill's burst opens
 * a signal per date at once (every date has a message); each call holds its request, with the date's pipeline
 * definition, until Temporal answers, so the bridge's memory grew with the number of dates in the burst. A date
 * waiting for a slot loses nothing: its messages gather and go together in its next signal.
 */
export class SignalSlots {
  private free: number;
  private readonly waiting = { live: [] as (() => void)[], backlog: [] as (() => void)[] };

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`signal slots must be a positive integer, got ${size}`);
    this.free = size;
  }

  /** Resolves with the slot's release once one is free; a live date's request passes every waiting backlog one. */
  acquire(live: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.release();
        });
      };
      if (this.free > 0) {
        this.free -= 1;
        grant();
      } else {
        this.waiting[live ? 'live' : 'backlog'].push(grant);
      }
    });
  }

  /** Signals in flight, and dates waiting for a slot (for the bridge's metrics). */
  get inUse(): number {
    return this.size - this.free;
  }

  get queued(): number {
    return this.waiting.live.length + this.waiting.backlog.length;
  }

  private release(): void {
    const next = this.waiting.live.shift() ?? this.waiting.backlog.shift();
    if (next) next();
    else this.free += 1;
  }
}
