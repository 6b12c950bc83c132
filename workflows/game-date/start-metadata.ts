/**
 * What the Temporal Web UI shows at the top of a date's page before any event: a one-line summary (pipeline and
 * date) and static details (who started it, and what each transition waits for). Every starter (bridge, planner,
 * operator CLI) passes these, so every date reads the same. Pure and workflow-safe: the clients import it.
 */
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import type { PlannedExpectation } from './messages';

/** Who started the date's workflow, for its static details. */
export type DateStarter =
  | { kind: 'bridge' }
  | { kind: 'planner'; expectations: PlannedExpectation[] }
  | { kind: 'operator'; actor: string; reason: string; command: string };

/** The workflow start options `staticSummary` and `staticDetails`. */
export interface DateStartMetadata {
  staticSummary: string;
  staticDetails: string;
}

/** Single line, as the Web UI lists it beside the workflow id. */
export function dateSummary(definition: PipelineDefinition, gameDate: string): string {
  return `${definition.pipeline} game date ${gameDate}`;
}

export function gameDateStartMetadata(definition: PipelineDefinition, gameDate: string, starter: DateStarter): DateStartMetadata {
  const lines = [
    `**${gameDate}** of pipeline **${definition.pipeline}** (time zone ${definition.timeZone}).`,
    '',
    startedBy(starter, definition),
    '',
    'Transitions, in order:',
    ...definition.transitions.map((def, i) => `${i + 1}. \`${def.name}\`: ${ruleText(def)}; publishes to \`${def.outputTopic}\`${def.mode === 'monitor' ? ' (monitor mode: publishes nothing)' : ''}.`),
    '',
    'The live state of each transition is under *Current details*; the search attributes `CurrentPhase`, `TransitionStates`, `MissingProcessors` and `OverdueTransitions` filter dates in the workflow list.',
  ];
  return { staticSummary: dateSummary(definition, gameDate), staticDetails: lines.join('\n') };
}

function startedBy(starter: DateStarter, definition: PipelineDefinition): string {
  switch (starter.kind) {
    case 'bridge':
      return 'Started by the completion bridge, on the first completion message of the date.';
    case 'planner': {
      const expected = starter.expectations.map((e) => `\`${e.transition}\` by ${new Date(e.expectedBy).toISOString()}`);
      return `Started ahead of time by the planner (a game on the ${definition.pipeline} calendar)${expected.length ? `; first completions expected: ${expected.join(', ')}` : ''}.`;
    }
    case 'operator':
      return `Started by operator ${starter.actor} with \`${starter.command}\`: ${starter.reason}`;
  }
}

/** What the transition's rule waits for, in one phrase. */
export function ruleText(def: TransitionDefinition): string {
  const expected = def.expectedProcessors.length;
  const rule = def.rule;
  switch (rule.kind) {
    case 'all':
      return `all ${expected} processors of ${def.phase}, or what is there ${rule.deadlineMinutes} min after the first`;
    case 'mode_aware':
      return `${def.phase}: overnight ${rule.majorityPercent}% of ${expected} processors; same day ${rule.preGameProcessors.join(', ')}`;
    case 'tiered': {
      const tiers = rule.tiers.map((t) => `${t.minProcessors} after ${t.afterMinutes} min`).join(', ');
      const breaker = `${rule.circuitBreaker.minProcessors}${rule.circuitBreaker.requireCritical ? ` and ${def.criticalProcessors.join(', ') || 'the critical ones'}` : ''}`;
      return `all ${expected} processors of ${def.phase}, else ${tiers} (never fewer than ${breaker})`;
    }
    case 'per_batch':
      return `each ${def.phase} batch with status success or partial and at least ${rule.minCompletionPercent}% complete`;
  }
}
