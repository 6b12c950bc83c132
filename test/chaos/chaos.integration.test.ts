/**
 * A short chaos seed in every test run: two workers and two bridges on a stack of their own, every fault kind
 * once, and the audit must find nothing. `npm run chaos` runs the long version (README).
 */
import assert from 'node:assert/strict';
import { FAULT_KINDS } from './fault-plan';
import { formatChaosReport } from './chaos-report';
import { runChaos } from './chaos-run';

describe('chaos: a short seed with every fault kind, two workers and two bridges', function () {
  this.timeout(15 * 60_000);

  it('triggers every round exactly once (or fails it loudly), lands every completion once, dead-letters every malformed message, and tells /health the truth', async () => {
    // Seed 8 makes five dependency faults long enough for /health to be judged on them.
    const report = await runChaos({ dates: 8, faults: FAULT_KINDS.length, seed: 8, workers: 2, bridges: 2, settleMs: 300_000, log: process.env.E2E_VERBOSE ? console.log : undefined });
    const { figures } = report.audit;
    assert.deepEqual(report.audit.violations, [], formatChaosReport(report));
    assert.deepEqual([...new Set(report.faults.map((f) => f.kind))].sort(), [...FAULT_KINDS].sort());
    assert.ok(figures.transitions >= 8 * 4, `${figures.transitions} rounds`);
    assert.equal(figures.triggered + figures.failedAndAlerted, figures.transitions);
    assert.ok(figures.completions >= 8 * 16, `${figures.completions} completions`);
    assert.equal(figures.plannedSilentAlerted, figures.plannedSilentDates);
    const judged = report.audit.perFaultKind.filter((k) => k.seenInHealth !== null);
    assert.ok(judged.length >= 4, `/health judged on ${judged.map((k) => k.kind).join(', ')}`);
  });
});
