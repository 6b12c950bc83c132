import assert from 'node:assert/strict';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { InvalidPipelineDefinitionError, parsePipelineDefinition } from '../../contract/pipeline-definition';

const nba = () => structuredClone(loadPipelineDefinition()) as unknown as { transitions: Record<string, unknown>[] } & Record<string, unknown>;

describe('pipeline definition', () => {
  it('loads the default NBA pipeline with its four transitions', () => {
    const definition = loadPipelineDefinition();
    assert.deepEqual(definition.transitions.map((t) => t.name), ['phase2_to_phase3', 'phase3_to_phase4', 'phase4_to_phase5', 'phase5_to_phase6']);
    assert.deepEqual(definition.transitions.map((t) => t.rule.kind), ['all', 'mode_aware', 'tiered', 'per_batch']);
  });

  const invalid: [string, (d: ReturnType<typeof nba>) => void, RegExp][] = [
    ['a critical processor that is not expected', (d) => ((d.transitions[0] as { criticalProcessors: string[] }).criticalProcessors = ['nope']), /transitions\[0\]\.criticalProcessors\[0\]: "nope" is not an expected processor/],
    ['an unknown rule kind', (d) => ((d.transitions[1] as { rule: unknown }).rule = { kind: 'vibes' }), /transitions\[1\]\.rule/],
    ['tiers out of order', (d) => ((d.transitions[2] as { rule: { tiers: { afterMinutes: number }[] } }).rule.tiers[1]!.afterMinutes = 10), /transitions\[2\]\.rule\.tiers\[1\]\.afterMinutes/],
    ['an unknown time zone', (d) => (d.timeZone = 'Mars/Olympus'), /timeZone: unknown time zone/],
    ['a bad mode', (d) => ((d.transitions[0] as { mode: string }).mode = 'shadow'), /transitions\[0\]\.mode/],
    ['an alias to nothing', (d) => ((d.transitions[2] as { aliases: Record<string, string> }).aliases.Foo = 'bar'), /transitions\[2\]\.aliases\.Foo/],
    ['a missing deadline', (d) => ((d.transitions[0] as { rule: Record<string, unknown> }).rule = { kind: 'all' }), /transitions\[0\]\.rule\.deadlineMinutes/],
  ];
  for (const [what, change, message] of invalid) {
    it(`rejects ${what}, naming the bad field`, () => {
      const definition = nba();
      change(definition);
      assert.throws(() => parsePipelineDefinition(definition), (error: unknown) => error instanceof InvalidPipelineDefinitionError && message.test(error.message));
    });
  }
});
