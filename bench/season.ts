/**
 * A synthetic season of completion messages: for every game date, each transition's expected processors
 * (with the aliases, extra known processors, failed runs and duplicates real producers send) plus prediction
 * batches, and the triggers the orchestrator must publish in answer. Deterministic for a given seed.
 */
import type { CompletionMessage } from '../contract/completion-message';
import type { PipelineDefinition, TransitionDefinition } from '../contract/pipeline-definition';

export interface SeasonOptions {
  /** First game date, `YYYY-MM-DD`; dates follow day by day. Past dates run Phase 3 in `overnight` mode. */
  firstDate: string;
  dates: number;
  seed: number;
  /** Share of processor runs that complete a second time (a re-run with its own execution id). */
  rerunShare: number;
  /** Share of messages published twice with the same body (two deliveries, two message ids). */
  duplicateShare: number;
  /** Share of dates that also get a failed run and an unexpected-but-known processor. */
  noiseShare: number;
}

export const DEFAULT_SEASON: Omit<SeasonOptions, 'firstDate' | 'dates'> = { seed: 2025, rerunShare: 0.15, duplicateShare: 0.1, noiseShare: 0.3 };

export interface SeasonMessage {
  topic: string;
  gameDate: string;
  /** The transition this completion feeds. */
  transition: string;
  body: CompletionMessage;
  /** Set on the messages that can complete a trigger: `<transition>/<date>[/<batch>]`. */
  readies?: string;
}

/** A trigger the season must produce; `key` is `<transition>/<date>[/<batch>]`. */
export interface ExpectedTrigger {
  key: string;
  transition: string;
  gameDate: string;
  /** Keys of the messages that must all have arrived: the trigger is due once the last of them was published. */
  needs: string[];
}

export interface Season {
  dates: string[];
  messages: SeasonMessage[];
  triggers: ExpectedTrigger[];
}

/** Small, seeded PRNG (mulberry32): the same season every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Producers send class names for some processors; one alias per key is enough to exercise resolution. */
function producerName(transition: TransitionDefinition, key: string, rand: () => number): string {
  const aliases = Object.entries(transition.aliases).filter(([, target]) => target === key).map(([alias]) => alias);
  if (aliases.length > 0 && rand() < 0.5) return aliases[Math.floor(rand() * aliases.length)]!;
  return key;
}

export function generateSeason(definition: PipelineDefinition, options: SeasonOptions): Season {
  const rand = random(options.seed);
  const dates = Array.from({ length: options.dates }, (_, i) => addDays(options.firstDate, i));
  const messages: SeasonMessage[] = [];
  const triggers: ExpectedTrigger[] = [];
  let run = 0;

  const push = (transition: TransitionDefinition, gameDate: string, fields: Partial<CompletionMessage> & { processor_name: string }, readies?: string): void => {
    run += 1;
    const body: CompletionMessage = {
      phase: transition.phase,
      execution_id: `bench-${run}`,
      correlation_id: `bench-${gameDate}`,
      game_date: gameDate,
      status: 'success',
      record_count: 100 + Math.floor(rand() * 400),
      timestamp: new Date(Date.UTC(2000, 0, 1)).toISOString(),
      metadata: {},
      ...fields,
    };
    const message: SeasonMessage = { topic: transition.completionTopic, gameDate, transition: transition.name, body, readies };
    messages.push(message);
    // Same body again: the same run delivered twice under another message id.
    if (rand() < options.duplicateShare) messages.push({ ...message, readies: undefined });
  };

  for (const gameDate of dates) {
    const noisy = rand() < options.noiseShare;
    for (const transition of definition.transitions) {
      if (transition.rule.kind === 'per_batch') {
        // One qualifying prediction batch per date, and on noisy dates a first, incomplete one that must not export.
        if (noisy) push(transition, gameDate, { processor_name: 'PredictionCoordinator', status: 'partial', metadata: { batch_id: `${gameDate}-b0`, completion_pct: 60, completed_predictions: 60, expected_players: 100 } });
        const key = `${transition.name}/${gameDate}/${gameDate}-b1`;
        push(transition, gameDate, { processor_name: 'PredictionCoordinator', metadata: { batch_id: `${gameDate}-b1`, completion_pct: 97, completed_predictions: 97, expected_players: 100 } }, key);
        triggers.push({ key, transition: transition.name, gameDate, needs: [key] });
        continue;
      }
      const key = `${transition.name}/${gameDate}`;
      // Non-critical first, critical last: the last expected processor is the one that tips the rule.
      const ordered = [...transition.expectedProcessors].sort((a, b) => Number(transition.criticalProcessors.includes(a)) - Number(transition.criticalProcessors.includes(b)));
      const needs: string[] = [];
      if (noisy && transition.knownProcessors[0]) push(transition, gameDate, { processor_name: transition.knownProcessors[0] });
      for (const processor of ordered) {
        if (noisy && processor === ordered[0]) push(transition, gameDate, { processor_name: producerName(transition, processor, rand), status: 'failed', error_message: 'upstream timeout', record_count: 0 });
        const readies = `${key}:${processor}`;
        needs.push(readies);
        push(transition, gameDate, { processor_name: producerName(transition, processor, rand) }, readies);
      }
      triggers.push({ key, transition: transition.name, gameDate, needs });
      // Re-runs arrive after the trigger and must change nothing downstream.
      for (const processor of ordered) if (rand() < options.rerunShare) push(transition, gameDate, { processor_name: producerName(transition, processor, rand) });
    }
  }
  return { dates, messages, triggers };
}

/** The trigger key a received trigger message answers, or null for messages the bench does not track. */
export function triggerKeyOf(transitionName: string, data: Record<string, unknown>): string | null {
  const date = typeof data.target_date === 'string' ? data.target_date : typeof data.game_date === 'string' ? data.game_date : null;
  if (!date) return null;
  return typeof data.upstream_batch_id === 'string' ? `${transitionName}/${date}/${data.upstream_batch_id}` : `${transitionName}/${date}`;
}
