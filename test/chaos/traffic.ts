/**
 * A season slice of completion traffic for a chaos run, pure and seeded: per date the five Phase 2, 3 and 4
 * processors (under their alias names, in shuffled order), one or two Phase 5 batches (some below the
 * threshold), duplicates of the same run, re-runs after the trigger, and now and then a malformed message.
 * Each valid message carries the `phase_completions.row_key` it must land under, so the audit can check it
 * landed exactly once.
 */
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { pick, seededRandom, shuffle } from './fault-plan';

export type TrafficKind = 'completion' | 'duplicate' | 'rerun' | 'batch' | 'non_qualifying_batch' | 'malformed';

export interface TrafficMessage {
  atMs: number;
  topic: string;
  gameDate: string;
  kind: TrafficKind;
  transition: string;
  /** The exact body (a malformed one may not be JSON). */
  body: string;
  /** Where a valid completion must land in `phase_completions` (duplicates share their original's). */
  rowKey?: string;
  /** Found in a malformed body, to match its dead letter. */
  marker?: string;
}

export interface SeasonSlice {
  dates: string[];
  messages: TrafficMessage[];
  /** Phase 5 batches that must trigger, per date. */
  qualifyingBatches: Map<string, string[]>;
  /** Phase 5 batches that must be skipped, per date. */
  nonQualifyingBatches: Map<string, string[]>;
}

/** Phase 3 producers send class names; the orchestrator resolves them to the table names it expects. */
const PHASE3_CLASS_OF_TABLE: Record<string, string> = {
  player_game_summary: 'PlayerGameSummaryProcessor',
  team_defense_game_summary: 'TeamDefenseGameSummaryProcessor',
  team_offense_game_summary: 'TeamOffenseGameSummaryProcessor',
  upcoming_player_game_context: 'UpcomingPlayerGameContextProcessor',
  upcoming_team_game_context: 'UpcomingTeamGameContextProcessor',
};

export interface SeasonSliceOptions {
  definition: PipelineDefinition;
  seed: number;
  dates: number;
  firstDate: string;
  /** Dates start spread over this many ms; each date's phases follow within about 15 s. */
  spreadMs: number;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function seasonSlice(options: SeasonSliceOptions): SeasonSlice {
  const random = seededRandom(options.seed ^ 0x5eed);
  const { definition } = options;
  const transition = (name: string): TransitionDefinition => definition.transitions.find((t) => t.name === name)!;
  const messages: TrafficMessage[] = [];
  const qualifyingBatches = new Map<string, string[]>();
  const nonQualifyingBatches = new Map<string, string[]>();
  const dates = Array.from({ length: options.dates }, (_, i) => addDays(options.firstDate, i));
  let sequence = 0;

  for (const gameDate of dates) {
    const start = Math.round(random() * options.spreadMs);
    const correlationId = `chaos-${gameDate}`;
    const body = (def: TransitionDefinition, processorName: string, extra: Record<string, unknown> = {}) => {
      sequence += 1;
      return {
        processor_name: processorName,
        phase: def.phase,
        execution_id: `run-${gameDate}-${sequence}`,
        correlation_id: correlationId,
        game_date: gameDate,
        status: 'success',
        record_count: 100 + sequence,
        timestamp: new Date(Date.UTC(2026, 0, 1) + sequence * 1_000).toISOString(),
        metadata: {},
        ...extra,
      } as Record<string, unknown> & { execution_id: string; status: string };
    };
    const push = (def: TransitionDefinition, atMs: number, kind: TrafficKind, payload: Record<string, unknown> & { execution_id: string; status: string }, key: string) => {
      messages.push({
        atMs,
        topic: def.completionTopic,
        gameDate,
        kind,
        transition: def.name,
        body: JSON.stringify(payload),
        rowKey: `${definition.pipeline}:${gameDate}:${def.name}:${key}:${payload.execution_id}:${payload.status}`,
      });
    };

    // Phases 2–4: every expected processor once, under one of its names, shuffled within the phase.
    ['phase2_to_phase3', 'phase3_to_phase4', 'phase4_to_phase5'].forEach((name, phaseIndex) => {
      const def = transition(name);
      const phaseStart = start + phaseIndex * 4_000;
      const sent: { payload: ReturnType<typeof body>; key: string }[] = [];
      for (const key of shuffle(random, [...def.expectedProcessors])) {
        const names = name === 'phase3_to_phase4' ? [PHASE3_CLASS_OF_TABLE[key] ?? key] : [key, ...Object.entries(def.aliases).filter(([, k]) => k === key).map(([alias]) => alias)];
        const payload = body(def, pick(random, names));
        push(def, phaseStart + Math.round(random() * 3_000), 'completion', payload, key);
        sent.push({ payload, key });
      }
      // The same run again (a second subscription, a producer's retry): recognised, never counted twice.
      if (random() < 0.5) {
        const { payload, key } = pick(random, sent);
        push(def, phaseStart + Math.round(random() * 6_000), 'duplicate', payload, key);
      }
      // A re-run after the trigger: stored, triggers nothing.
      if (random() < 0.25) {
        const { payload, key } = pick(random, sent);
        push(def, phaseStart + 8_000 + Math.round(random() * 6_000), 'rerun', { ...payload, execution_id: `${payload.execution_id}-rerun` }, key);
      }
    });

    // Phase 5: one qualifying batch, sometimes one more below the threshold.
    const phase5 = transition('phase5_to_phase6');
    const batchAt = start + 12_000 + Math.round(random() * 3_000);
    const batch = `batch-${gameDate}-a`;
    push(phase5, batchAt, 'batch', body(phase5, 'PredictionCoordinator', { execution_id: batch, metadata: { batch_id: batch, completion_pct: 90 + Math.floor(random() * 11), completed_predictions: 400 } }), 'PredictionCoordinator');
    qualifyingBatches.set(gameDate, [batch]);
    if (random() < 0.3) {
      const low = `batch-${gameDate}-b`;
      push(phase5, batchAt + 1_000, 'non_qualifying_batch', body(phase5, 'PredictionCoordinator', { execution_id: low, metadata: { batch_id: low, completion_pct: 40, completed_predictions: 150 } }), 'PredictionCoordinator');
      nonQualifyingBatches.set(gameDate, [low]);
    }

    if (random() < 0.15) {
      const marker = `chaos-malformed-${gameDate}`;
      const def = pick(random, definition.transitions);
      const variants = [
        `{"processor_name": "${marker}", "game_date"`,
        JSON.stringify({ ...body(def, marker), status: 'done' }),
        JSON.stringify({ ...body(def, marker), game_date: 'TODAY' }),
      ];
      messages.push({ atMs: start + Math.round(random() * 15_000), topic: def.completionTopic, gameDate, kind: 'malformed', transition: def.name, body: pick(random, variants), marker });
    }
  }
  messages.sort((a, b) => a.atMs - b.atMs);
  return { dates, messages, qualifyingBatches, nonQualifyingBatches };
}
