/**
 * The pipeline definition: which transitions exist, what they wait for and what they publish. Plain data
 * validated by zod, so a second pipeline is a new JSON file, not a fork. Workflow-safe (no Node built-ins).
 */
import { z } from 'zod';

const processorKey = z.string().regex(/^[a-z0-9_]+$/, 'must be a snake_case processor key');
const topicName = z.string().regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a valid Pub/Sub topic name');
const positiveMinutes = z.number().positive();

const ruleSchema = z.discriminatedUnion('kind', [
  z.object({
    /** Every expected processor; after the deadline trigger with what is there (partial). */
    kind: z.literal('all'),
    deadlineMinutes: positiveMinutes,
  }),
  z.object({
    /** Mode from game_date against today in the pipeline's time zone (overnight, same_day, tomorrow). */
    kind: z.literal('mode_aware'),
    majorityPercent: z.number().min(1).max(100),
    preGameProcessors: z.array(processorKey).min(1),
  }),
  z.object({
    /** All expected, else relaxing tiers measured from the first completion, behind a circuit breaker. */
    kind: z.literal('tiered'),
    tiers: z
      .array(z.object({ afterMinutes: positiveMinutes, minProcessors: z.number().int().min(1), reason: z.string().min(1) }))
      .min(1),
    circuitBreaker: z.object({ minProcessors: z.number().int().min(0), requireCritical: z.boolean() }),
  }),
  z.object({
    /** Every completion is a batch; a batch with enough completion triggers on its own. */
    kind: z.literal('per_batch'),
    minCompletionPercent: z.number().min(0).max(100),
  }),
]);

const outputSchema = z.discriminatedUnion('payload', [
  z.object({ payload: z.literal('phase3_trigger'), triggeredBy: z.string().min(1) }),
  z.object({ payload: z.literal('phase4_per_table'), triggeredBy: z.string().min(1), parentProcessor: z.string().min(1) }),
  z.object({
    payload: z.literal('predictions_trigger'),
    triggeredBy: z.string().min(1),
    parentProcessor: z.string().min(1),
    httpTrigger: z
      .object({
        urlEnvVar: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an environment variable name'),
        path: z.string().startsWith('/'),
        triggerSource: z.string().min(1),
      })
      .optional(),
  }),
  z.object({ payload: z.literal('export_trigger'), triggeredBy: z.string().min(1), exportTypes: z.array(z.string().min(1)).min(1) }),
]);

const transitionSchema = z.object({
  name: processorKey,
  /** The `phase` value of the completions this transition consumes. */
  phase: z.string().min(1),
  completionTopic: topicName,
  outputTopic: topicName,
  firestoreCollection: z.string().min(1).nullable(),
  /** `monitor` tracks, logs and alerts but publishes nothing. */
  mode: z.enum(['trigger', 'monitor']),
  expectedProcessors: z.array(processorKey),
  criticalProcessors: z.array(processorKey),
  /** Raw names (class, table or config names) that resolve to a processor key. */
  aliases: z.record(z.string().min(1), processorKey),
  /** Processor keys that are recognised and recorded but not waited for. */
  knownProcessors: z.array(processorKey),
  rule: ruleSchema,
  /** A round not triggered this long after its first completion is overdue: alert, then escalate. */
  overdueAfterMinutes: positiveMinutes,
  output: outputSchema,
});

export const pipelineDefinitionSchema = z
  .object({
    pipeline: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lowercase pipeline id'),
    timeZone: z.string().min(1),
    /** How long a fully settled date stays open for late completions before its workflow finishes. */
    quietPeriodMinutes: positiveMinutes,
    /** A date still unsettled this long after its workflow started is closed with a critical alert. */
    maxLifetimeHours: z.number().positive(),
    transitions: z.array(transitionSchema).min(1),
  })
  .superRefine((definition, ctx) => {
    try {
      new Intl.DateTimeFormat('en-CA', { timeZone: definition.timeZone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone "${definition.timeZone}"` });
    }
    const seen = { names: new Set<string>(), topics: new Set<string>() };
    definition.transitions.forEach((transition, index) => {
      const at = (...path: (string | number)[]) => ['transitions', index, ...path];
      if (seen.names.has(transition.name)) ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate transition "${transition.name}"` });
      seen.names.add(transition.name);
      if (seen.topics.has(transition.completionTopic)) {
        ctx.addIssue({ code: 'custom', path: at('completionTopic'), message: `topic "${transition.completionTopic}" is consumed by two transitions` });
      }
      seen.topics.add(transition.completionTopic);
      const expected = new Set(transition.expectedProcessors);
      const known = new Set([...expected, ...transition.knownProcessors]);
      if (transition.rule.kind !== 'per_batch' && expected.size === 0) {
        ctx.addIssue({ code: 'custom', path: at('expectedProcessors'), message: 'must list at least one processor' });
      }
      transition.criticalProcessors.forEach((name, i) => {
        if (!expected.has(name)) ctx.addIssue({ code: 'custom', path: at('criticalProcessors', i), message: `"${name}" is not an expected processor` });
      });
      for (const [alias, target] of Object.entries(transition.aliases)) {
        if (!known.has(target)) ctx.addIssue({ code: 'custom', path: at('aliases', alias), message: `"${target}" is neither expected nor known` });
      }
      const rule = transition.rule;
      if (rule.kind === 'mode_aware') {
        rule.preGameProcessors.forEach((name, i) => {
          if (!expected.has(name)) ctx.addIssue({ code: 'custom', path: at('rule', 'preGameProcessors', i), message: `"${name}" is not an expected processor` });
        });
      }
      if (rule.kind === 'tiered') {
        rule.tiers.forEach((tier, i) => {
          const previous = rule.tiers[i - 1];
          if (previous && tier.afterMinutes <= previous.afterMinutes) {
            ctx.addIssue({ code: 'custom', path: at('rule', 'tiers', i, 'afterMinutes'), message: 'tiers must be in increasing time order' });
          }
          if (tier.minProcessors > expected.size) {
            ctx.addIssue({ code: 'custom', path: at('rule', 'tiers', i, 'minProcessors'), message: 'exceeds the number of expected processors' });
          }
        });
      }
    });
  });

export type PipelineDefinition = z.infer<typeof pipelineDefinitionSchema>;
export type TransitionDefinition = PipelineDefinition['transitions'][number];
export type TransitionRule = TransitionDefinition['rule'];
export type TransitionOutput = TransitionDefinition['output'];

export class InvalidPipelineDefinitionError extends Error {
  override name = 'InvalidPipelineDefinitionError';
}

/** Validates a definition; the error names every bad field by its path, e.g. `transitions[1].rule.tiers[0]`. */
export function parsePipelineDefinition(raw: unknown, source = 'pipeline definition'): PipelineDefinition {
  const result = pipelineDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new InvalidPipelineDefinitionError(`Invalid ${source}:\n  ${problems.join('\n  ')}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

export function findTransitionByTopic(definition: PipelineDefinition, topic: string): TransitionDefinition | undefined {
  return definition.transitions.find((t) => t.completionTopic === topic);
}

export function findTransitionByPhase(definition: PipelineDefinition, phase: string): TransitionDefinition | undefined {
  return definition.transitions.find((t) => t.phase === phase);
}
