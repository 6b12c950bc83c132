/**
 * Which faults a chaos run injects, and when: pure and seeded, so a seed names the same run every time. Faults
 * of different kinds may overlap (that is the point); two faults on the same target never do.
 */

export const FAULT_KINDS = [
  'worker_kill',
  'bridge_kill',
  'pubsub_pause',
  'firestore_pause',
  'bigquery_pause',
  'temporal_restart',
  'network_delay',
  'network_cut',
  'coordinator_5xx',
  'coordinator_timeout',
  'coordinator_400',
  'alert_channel_down',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  id: number;
  kind: FaultKind;
  /** Which worker or bridge (index), or which proxied dependency; 0 when the kind has one target. */
  target: number;
  /** Milliseconds after the run's start. */
  startMs: number;
  durationMs: number;
}

/** Small, fast, seedable (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** How long each kind lasts (ms): long enough to hit writes in flight, short of the retry budgets. */
const DURATION_MS: Record<FaultKind, [number, number]> = {
  worker_kill: [2_000, 8_000],
  bridge_kill: [2_000, 8_000],
  pubsub_pause: [5_000, 15_000],
  firestore_pause: [5_000, 20_000],
  bigquery_pause: [5_000, 20_000],
  temporal_restart: [3_000, 10_000],
  network_delay: [10_000, 25_000],
  network_cut: [5_000, 15_000],
  coordinator_5xx: [10_000, 30_000],
  coordinator_timeout: [10_000, 30_000],
  coordinator_400: [10_000, 20_000],
  alert_channel_down: [10_000, 30_000],
};

export interface FaultPlanOptions {
  seed: number;
  faults: number;
  /** Faults start within the first `windowMs` of the run (traffic keeps flowing through all of it). */
  windowMs: number;
  workers: number;
  bridges: number;
  /** Dependencies behind the TCP proxy (network faults pick one). */
  proxied: number;
  /** Every kind appears once before any repeats, so a short run still covers each one it can. */
  kinds?: readonly FaultKind[];
}

export function planFaults(options: FaultPlanOptions): PlannedFault[] {
  const random = seededRandom(options.seed);
  const kinds = options.kinds ?? FAULT_KINDS;
  const sequence: FaultKind[] = [];
  while (sequence.length < options.faults) sequence.push(...shuffle(random, [...kinds]));
  const targets = (kind: FaultKind): number =>
    kind === 'worker_kill' ? options.workers : kind === 'bridge_kill' ? options.bridges : kind.startsWith('network_') ? options.proxied : 1;

  const busyUntil = new Map<string, number>();
  const faults = sequence.slice(0, options.faults).map((kind, index): PlannedFault => {
    const target = Math.floor(random() * targets(kind));
    const [min, max] = DURATION_MS[kind];
    const durationMs = Math.round(min + random() * (max - min));
    const key = `${sameTargetGroup(kind)}:${target}`;
    // Spread evenly with jitter, then pushed past any fault still holding the same target.
    const slot = options.windowMs / Math.max(1, options.faults);
    const wanted = Math.round(index * slot + random() * slot);
    const startMs = Math.max(wanted, (busyUntil.get(key) ?? 0) + 1_000);
    busyUntil.set(key, startMs + durationMs);
    return { id: index + 1, kind, target, startMs, durationMs };
  });
  return faults.sort((a, b) => a.startMs - b.startMs || a.id - b.id);
}

/** Kinds that act on the same thing never overlap: one coordinator, one alert channel, one proxy per dependency. */
export function sameTargetGroup(kind: FaultKind): string {
  if (kind.startsWith('coordinator_')) return 'coordinator';
  if (kind.startsWith('network_')) return 'network';
  return kind;
}
