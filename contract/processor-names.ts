/** Resolves a completion to an expected processor key (docs/contract.md §3). The one place this rule lives. */
import type { TransitionDefinition } from './pipeline-definition';
import { bareTableName } from './completion-fields';
import type { CompletionMessage } from './completion-message';

export type ProcessorResolution =
  /** Counts toward the transition's rule. */
  | { kind: 'expected'; key: string }
  /** Recognised and recorded, but not waited for. */
  | { kind: 'known'; key: string }
  /** Matches nothing: recorded and alerted once per (transition, name). */
  | { kind: 'unknown'; name: string };

/** `MLFeatureStore` → `ml_feature_store`, `PlayerGameSummary` → `player_game_summary`. */
export function camelToSnake(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

/** Drops a trailing `Processor` and a leading `Async`, then converts to snake_case. */
export function classNameToKey(name: string): string {
  return camelToSnake(name.trim().replace(/Processor$/, '').replace(/^Async(?=[A-Z])/, ''));
}

export function resolveProcessor(
  transition: Pick<TransitionDefinition, 'expectedProcessors' | 'knownProcessors' | 'aliases'>,
  message: Pick<CompletionMessage, 'processor_name' | 'output_table'>,
): ProcessorResolution {
  const expected = new Set(transition.expectedProcessors);
  const known = new Set(transition.knownProcessors);
  const classify = (key: string | undefined): ProcessorResolution | undefined => {
    if (!key) return undefined;
    if (expected.has(key)) return { kind: 'expected', key };
    if (known.has(key)) return { kind: 'known', key };
    return undefined;
  };
  const raw = message.processor_name.trim();
  const table = bareTableName(message.output_table);
  const alias = (name: string | undefined) => (name === undefined ? undefined : transition.aliases[name]);
  return (
    classify(raw) ??
    classify(table) ??
    classify(alias(raw)) ??
    classify(alias(table)) ??
    classify(classNameToKey(raw)) ?? { kind: 'unknown', name: raw }
  );
}
