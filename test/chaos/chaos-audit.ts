/**
 * The chaos run's verdict, from what the outside world saw: trigger ids counted on the trigger topics, the
 * coordinator's calls, the alert sink, the dead-letter topics, `phase_completions` row keys counted in
 * BigQuery, reconciliation (dry run) of every date's Firestore documents and rows against its workflow
 * state, and `/health` samples taken during the faults. Every violation is named; none is tolerated.
 */
import type { ReceivedAlert } from '../../local-stack/alert-sink';
import type { Discrepancy } from '../../workflows/watchdogs/watchdog-contracts';
import type { GameDateStatus } from '../../workflows/game-date/status';
import type { FaultKind, PlannedFault } from './fault-plan';
import type { CoordinatorCall } from './prediction-coordinator';
import type { SeasonSlice } from './traffic';

export interface TriggerSeen {
  topic: string;
  gameDate: string;
  triggerId: string;
  messageKey: string;
}

export interface HealthSample {
  at: number;
  process: string;
  /** HTTP status, or 0 when /health did not answer in time. */
  status: number;
  unhealthy: string[];
}

export interface FaultRecord extends PlannedFault {
  startedAt: number;
  endedAt: number | null;
  error: string | null;
}

export interface AuditInput {
  slice: SeasonSlice;
  silentDates: string[];
  triggers: TriggerSeen[];
  coordinatorCalls: CoordinatorCall[];
  alerts: ReceivedAlert[];
  deadLetters: { raw: string; reason: string | undefined }[];
  completionRowCounts: Map<string, number>;
  duplicateLogRows: { rowKey: string; count: number }[];
  /** Rows a retry appended again to the tables (hidden by the views; not a violation). */
  rowsAppendedAgain: number;
  /** Reconciliation's details (capped) and its full count. */
  discrepancies: Discrepancy[];
  discrepancyCount: number;
  statuses: Map<string, GameDateStatus | null>;
  faults: FaultRecord[];
  health: HealthSample[];
  outputTopics: Record<string, string>;
}

export interface FaultKindFigures {
  kind: FaultKind;
  count: number;
  /** Faults of this kind some `/health` reported while it lasted (null: no dependency to report). */
  seenInHealth: number | null;
  recoveryMsMedian: number | null;
  recoveryMsMax: number | null;
}

export interface ChaosFigures {
  dates: number;
  transitions: number;
  triggered: number;
  failedAndAlerted: number;
  lost: number;
  doubled: number;
  silent: number;
  completions: number;
  completionRowsMissing: number;
  completionRowsDoubled: number;
  executionLogRowsDoubled: number;
  rowsAppendedAgain: number;
  inconsistentProjections: number;
  malformed: number;
  deadLettered: number;
  plannedSilentDates: number;
  plannedSilentAlerted: number;
  faults: number;
  faultErrors: number;
  alerts: number;
  alertsPerFault: number;
  /** Most deliveries of one alert from one sender within a minute. */
  maxRepeatsOfOneAlert: number;
}

export interface ChaosAudit {
  figures: ChaosFigures;
  /** Alerts by title, dates blanked out: what the faults made people read. */
  alertTitles: Record<string, number>;
  perFaultKind: FaultKindFigures[];
  violations: string[];
}

/** Which `/health` dependency must turn unhealthy while a fault lasts (network faults: per proxied link). */
export function dependencyHitBy(fault: PlannedFault): { process: 'worker' | 'bridge' | 'any'; dependency: string } | null {
  switch (fault.kind) {
    case 'pubsub_pause':
      return { process: 'bridge', dependency: 'pubsub' };
    case 'firestore_pause':
      return { process: 'worker', dependency: 'firestore' };
    case 'bigquery_pause':
      return { process: 'worker', dependency: 'bigquery' };
    case 'temporal_restart':
      return { process: 'any', dependency: 'temporal' };
    case 'network_cut':
      return [{ process: 'worker', dependency: 'bigquery' } as const, { process: 'worker', dependency: 'firestore' } as const, { process: 'bridge', dependency: 'temporal' } as const][fault.target] ?? null;
    default:
      return null;
  }
}

/** Faults shorter than this may fall between two health samples (probe timeout 5 s): not judged. */
const HEALTH_JUDGED_MIN_MS = 9_000;
/** The same alert from the same sender more often than this within the window is a storm. */
const MAX_REPEATS_OF_ONE_ALERT = 3;
const STORM_WINDOW_MS = 60_000;
/** One title (dates blanked) this often within the window, or for a fifth of the dates if more, is a storm. */
const MIN_ACROSS_DATES_STORM = 20;

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export function auditChaosRun(input: AuditInput): ChaosAudit {
  const violations: string[] = [];
  const { slice } = input;
  const alertsFor = (gameDate: string, transition: string) => input.alerts.filter((a) => a.game_date === gameDate && a.transition === transition);
  const triggerIds = (transition: string, gameDate: string) =>
    new Set(input.triggers.filter((t) => t.topic === input.outputTopics[transition] && t.gameDate === gameDate).map((t) => t.triggerId));
  const roundState = (gameDate: string, transition: string, round?: string) => {
    const status = input.statuses.get(gameDate)?.transitions.find((t) => t.name === transition);
    const rounds = status?.rounds ?? [];
    return (round ? rounds.find((r) => r.key === round) : rounds[0])?.state ?? 'none';
  };

  let transitions = 0;
  let triggered = 0;
  let failedAndAlerted = 0;
  let lost = 0;
  let doubled = 0;
  let silent = 0;
  const judge = (gameDate: string, transition: string, ids: Set<string>, round?: string) => {
    transitions++;
    if (ids.size === 1) triggered++;
    else if (ids.size > 1) {
      doubled++;
      violations.push(`${gameDate} ${transition}${round ? ` ${round}` : ''}: ${ids.size} trigger ids (${[...ids].join(', ')})`);
    } else if (roundState(gameDate, transition, round) === 'failed' && alertsFor(gameDate, transition).length > 0) failedAndAlerted++;
    else {
      lost++;
      const alerted = alertsFor(gameDate, transition).length > 0;
      if (!alerted) silent++;
      violations.push(`${gameDate} ${transition}${round ? ` ${round}` : ''}: never triggered (state ${roundState(gameDate, transition, round)}, ${alerted ? 'alerted' : 'SILENT'})`);
    }
  };

  for (const gameDate of slice.dates) {
    judge(gameDate, 'phase2_to_phase3', triggerIds('phase2_to_phase3', gameDate));
    const phase4 = triggerIds('phase3_to_phase4', gameDate);
    judge(gameDate, 'phase3_to_phase4', phase4);
    const tables = new Set(input.triggers.filter((t) => t.topic === input.outputTopics.phase3_to_phase4 && t.gameDate === gameDate).map((t) => t.messageKey));
    if (phase4.size === 1 && tables.size !== 5) violations.push(`${gameDate} phase3_to_phase4: ${tables.size} of 5 per-table messages`);

    const predictions = triggerIds('phase4_to_phase5', gameDate);
    judge(gameDate, 'phase4_to_phase5', predictions);
    for (const id of predictions) {
      const accepted = input.coordinatorCalls.some((c) => c.triggerId === id && (c.status === 202 || c.status === 409));
      const failed = roundState(gameDate, 'phase4_to_phase5') === 'failed' && alertsFor(gameDate, 'phase4_to_phase5').length > 0;
      if (!accepted && !failed) violations.push(`${gameDate} phase4_to_phase5: the coordinator never accepted ${id} and the round is ${roundState(gameDate, 'phase4_to_phase5')}`);
    }

    const exports = input.triggers.filter((t) => t.topic === input.outputTopics.phase5_to_phase6 && t.gameDate === gameDate);
    for (const batch of slice.qualifyingBatches.get(gameDate) ?? []) {
      judge(gameDate, 'phase5_to_phase6', new Set(exports.filter((t) => t.triggerId.includes(`:${batch}:`)).map((t) => t.triggerId)), batch);
    }
    for (const batch of slice.nonQualifyingBatches.get(gameDate) ?? []) {
      if (exports.some((t) => t.triggerId.includes(`:${batch}:`))) violations.push(`${gameDate} phase5_to_phase6 ${batch}: a batch below the threshold triggered an export`);
    }
  }

  const expectedRows = new Set(slice.messages.filter((m) => m.rowKey).map((m) => m.rowKey!));
  let completionRowsMissing = 0;
  let completionRowsDoubled = 0;
  for (const rowKey of expectedRows) {
    const count = input.completionRowCounts.get(rowKey) ?? 0;
    if (count === 0) completionRowsMissing++;
    if (count > 1) completionRowsDoubled++;
    if (count !== 1) violations.push(`phase_completions row ${rowKey}: ${count} rows`);
  }
  for (const row of input.duplicateLogRows) violations.push(`phase_execution_log row ${row.rowKey}: ${row.count} rows`);
  for (const d of input.discrepancies) violations.push(`reconciliation: ${d.gameDate} ${d.transition ?? ''} ${d.kind}: ${d.detail}`);

  const malformed = slice.messages.filter((m) => m.kind === 'malformed');
  let deadLettered = 0;
  for (const m of malformed) {
    const letter = input.deadLetters.find((l) => l.raw === m.body);
    if (letter?.reason) deadLettered++;
    else violations.push(`malformed message ${m.marker} on ${m.topic}: ${letter ? 'dead-lettered without a reason' : 'not dead-lettered'}`);
  }

  const plannedSilentAlerted = input.silentDates.filter((d) => alertsFor(d, 'phase2_to_phase3').length > 0).length;
  for (const d of input.silentDates) if (alertsFor(d, 'phase2_to_phase3').length === 0) violations.push(`planned date ${d} received nothing and nobody was told`);

  // A storm is one replica sending the same alert again and again in a short time. The same key from two
  // replicas, or again after a second outage, is expected: receivers collapse repeats on the key.
  const repeats = new Map<string, number[]>();
  for (const a of input.alerts) {
    const key = `${a.dedup_key} from ${a.reported_by ?? 'a worker'}`;
    repeats.set(key, [...(repeats.get(key) ?? []), Date.parse(a.received_at)]);
  }
  let maxRepeats = 0;
  for (const [key, times] of repeats) {
    times.sort((a, b) => a - b);
    const burst = Math.max(...times.map((t, i) => times.filter((u, j) => j >= i && u - t <= STORM_WINDOW_MS).length));
    maxRepeats = Math.max(maxRepeats, burst);
    if (burst > MAX_REPEATS_OF_ONE_ALERT) violations.push(`alert storm: ${key} delivered ${burst} times within ${STORM_WINDOW_MS / 1000} s`);
  }

  // The same condition alerted for many dates at once (one outage, every open date saying so) is a storm too.
  const byTitle = new Map<string, number[]>();
  for (const a of input.alerts) {
    const title = a.title.replace(/\d{4}-\d{2}-\d{2}/g, 'DATE');
    byTitle.set(title, [...(byTitle.get(title) ?? []), Date.parse(a.received_at)]);
  }
  const acrossDates = Math.max(MIN_ACROSS_DATES_STORM, Math.ceil(slice.dates.length / 5));
  for (const [title, times] of byTitle) {
    times.sort((a, b) => a - b);
    let burst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! > STORM_WINDOW_MS) j++;
      burst = Math.max(burst, i - j + 1);
    }
    if (burst > acrossDates) violations.push(`alert storm across dates: "${title}" delivered ${burst} times within ${STORM_WINDOW_MS / 1000} s`);
  }

  for (const f of input.faults) {
    if (f.error) violations.push(`fault ${f.id} ${f.kind}: could not be injected or undone: ${f.error}`);
  }
  const perFaultKind = faultKindFigures(input, violations);

  return {
    figures: {
      dates: slice.dates.length,
      transitions,
      triggered,
      failedAndAlerted,
      lost,
      doubled,
      silent,
      completions: expectedRows.size,
      completionRowsMissing,
      completionRowsDoubled,
      executionLogRowsDoubled: input.duplicateLogRows.length,
      rowsAppendedAgain: input.rowsAppendedAgain,
      inconsistentProjections: input.discrepancyCount,
      malformed: malformed.length,
      deadLettered,
      plannedSilentDates: input.silentDates.length,
      plannedSilentAlerted,
      faults: input.faults.length,
      faultErrors: input.faults.filter((f) => f.error).length,
      alerts: input.alerts.length,
      alertsPerFault: input.faults.length ? Number((input.alerts.length / input.faults.length).toFixed(2)) : 0,
      maxRepeatsOfOneAlert: maxRepeats,
    },
    alertTitles: countBy(input.alerts.map((a) => a.title.replace(/\d{4}-\d{2}-\d{2}/g, 'DATE'))),
    perFaultKind,
    violations,
  };
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

function faultKindFigures(input: AuditInput, violations: string[]): FaultKindFigures[] {
  const kinds = [...new Set(input.faults.map((f) => f.kind))].sort();
  const sweeps = healthSweeps(input.health);
  return kinds.map((kind) => {
    const faults = input.faults.filter((f) => f.kind === kind);
    let seen = 0;
    let judged = 0;
    const recoveries: number[] = [];
    for (const f of faults) {
      const hit = dependencyHitBy(f);
      const end = f.endedAt ?? f.startedAt + f.durationMs;
      if (hit && end - f.startedAt >= HEALTH_JUDGED_MIN_MS) {
        judged++;
        const during = input.health.filter((s) => s.at >= f.startedAt && s.at <= end + 2_000 && (hit.process === 'any' || s.process.startsWith(hit.process)));
        if (during.some((s) => s.status === 0 || s.unhealthy.includes(hit.dependency))) seen++;
        else violations.push(`fault ${f.id} ${kind}: no ${hit.process} /health reported ${hit.dependency} unhealthy during ${Math.round((end - f.startedAt) / 1000)} s`);
      }
      const recovered = sweeps.find((s) => s.at >= end && s.healthy);
      if (recovered) recoveries.push(recovered.at - end);
    }
    return {
      kind,
      count: faults.length,
      seenInHealth: judged ? seen : null,
      recoveryMsMedian: median(recoveries),
      recoveryMsMax: recoveries.length ? Math.max(...recoveries) : null,
    };
  });
}

/** Samples grouped into sweeps (one per sampling tick): healthy when every process answered 200. */
function healthSweeps(samples: HealthSample[]): { at: number; healthy: boolean }[] {
  const byTick = new Map<number, HealthSample[]>();
  for (const s of samples) byTick.set(s.at, [...(byTick.get(s.at) ?? []), s]);
  return [...byTick.entries()].sort(([a], [b]) => a - b).map(([at, group]) => ({ at, healthy: group.every((s) => s.status === 200) }));
}
