import assert from 'node:assert/strict';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { parseCompletionMessage } from '../../contract/completion-message';
import type { ReceivedAlert } from '../../local-stack/alert-sink';
import { auditChaosRun, type AuditInput } from './chaos-audit';
import { FAULT_KINDS, planFaults, sameTargetGroup } from './fault-plan';
import { seasonSlice } from './traffic';

const definition = loadPipelineDefinition();

describe('chaos run: fault plan and traffic (pure)', () => {
  it('plans the same faults for the same seed, every kind before any repeats, never two at once on one target', () => {
    const options = { seed: 11, faults: 30, windowMs: 300_000, workers: 2, bridges: 2, proxied: 3 };
    const plan = planFaults(options);
    assert.deepEqual(planFaults(options), plan);
    assert.notDeepEqual(planFaults({ ...options, seed: 12 }), plan);
    assert.equal(plan.length, 30);
    const firstTwelve = plan.filter((f) => f.id <= FAULT_KINDS.length).map((f) => f.kind);
    assert.deepEqual([...firstTwelve].sort(), [...FAULT_KINDS].sort());
    for (const a of plan) {
      for (const b of plan) {
        if (a.id >= b.id || sameTargetGroup(a.kind) !== sameTargetGroup(b.kind) || a.target !== b.target) continue;
        const overlap = a.startMs < b.startMs + b.durationMs && b.startMs < a.startMs + a.durationMs;
        assert.ok(!overlap, `faults ${a.id} and ${b.id} (${a.kind}, ${b.kind}) overlap on target ${a.target}`);
      }
      if (a.kind === 'worker_kill') assert.ok(a.target < 2);
      if (a.kind.startsWith('network_')) assert.ok(a.target < 3);
    }
  });

  it('generates valid completions (under alias names) for every expected processor of every date, and malformed ones that are not', () => {
    const slice = seasonSlice({ definition, seed: 5, dates: 40, firstDate: '2024-10-22', spreadMs: 60_000 });
    assert.equal(slice.dates.length, 40);
    const aliasesUsed = new Set<string>();
    for (const message of slice.messages) {
      const result = parseCompletionMessage(message.body);
      if (message.kind === 'malformed') {
        assert.equal(result.ok, false, `${message.body} must be invalid`);
        continue;
      }
      assert.equal(result.ok, true, message.body);
      const body = JSON.parse(message.body) as { processor_name: string };
      aliasesUsed.add(body.processor_name);
    }
    // Each of phases 2–4 sends its five processors per date, whatever names they use.
    for (const gameDate of slice.dates) {
      for (const name of ['phase2_to_phase3', 'phase3_to_phase4', 'phase4_to_phase5']) {
        const keys = new Set(slice.messages.filter((m) => m.gameDate === gameDate && m.transition === name && m.kind === 'completion').map((m) => m.rowKey!.split(':')[3]));
        assert.equal(keys.size, 5, `${gameDate} ${name}`);
      }
    }
    assert.ok([...aliasesUsed].some((n) => n.endsWith('Processor')), 'alias names are used');
    for (const kind of ['duplicate', 'rerun', 'non_qualifying_batch', 'malformed'] as const) assert.ok(slice.messages.some((m) => m.kind === kind), kind);
    const duplicate = slice.messages.find((m) => m.kind === 'duplicate')!;
    assert.ok(slice.messages.some((m) => m.kind === 'completion' && m.body === duplicate.body), 'a duplicate repeats a run byte for byte');
  });
});

describe('chaos run: audit (pure)', () => {
  const slice = seasonSlice({ definition, seed: 2, dates: 1, firstDate: '2024-11-01', spreadMs: 1_000 });
  const gameDate = slice.dates[0]!;
  const outputTopics = Object.fromEntries(definition.transitions.map((t) => [t.name, t.outputTopic]));
  const batch = slice.qualifyingBatches.get(gameDate)![0]!;
  const id = (transition: string, round = 'main') => `nba:${gameDate}:${transition}:${round}:0`;
  const alert = (over: Partial<ReceivedAlert>): ReceivedAlert => ({ reported_by: null, severity: 'error', title: 't', text: 'x', game_date: null, transition: null, dedup_key: 'k', correlation_id: null, timestamp: '', received_at: '2026-01-01T00:00:00Z', ...over });

  function cleanRun(): AuditInput {
    return {
      slice,
      silentDates: ['2024-12-01'],
      triggers: [
        { topic: outputTopics.phase2_to_phase3!, gameDate, triggerId: id('phase2_to_phase3'), messageKey: `${id('phase2_to_phase3')}/0` },
        ...[0, 1, 2, 3, 4].map((i) => ({ topic: outputTopics.phase3_to_phase4!, gameDate, triggerId: id('phase3_to_phase4', 'overnight'), messageKey: `${id('phase3_to_phase4', 'overnight')}/${i}` })),
        { topic: outputTopics.phase4_to_phase5!, gameDate, triggerId: id('phase4_to_phase5'), messageKey: `${id('phase4_to_phase5')}/0` },
        { topic: outputTopics.phase5_to_phase6!, gameDate, triggerId: id('phase5_to_phase6', batch), messageKey: `${id('phase5_to_phase6', batch)}/0` },
      ],
      coordinatorCalls: [{ triggerId: id('phase4_to_phase5'), gameDate, status: 202, at: 0 }],
      alerts: [alert({ game_date: '2024-12-01', transition: 'phase2_to_phase3', dedup_key: 'planned' })],
      deadLetters: slice.messages.filter((m) => m.kind === 'malformed').map((m) => ({ raw: m.body, reason: 'not JSON' })),
      completionRowCounts: new Map(slice.messages.filter((m) => m.rowKey).map((m) => [m.rowKey!, 1])),
      duplicateLogRows: [],
      rowsAppendedAgain: 0,
      discrepancies: [],
      discrepancyCount: 0,
      statuses: new Map(),
      faults: [{ id: 1, kind: 'firestore_pause', target: 0, startMs: 0, durationMs: 10_000, startedAt: 1_000, endedAt: 11_000, error: null }],
      health: [
        { at: 5_000, process: 'worker-0', status: 503, unhealthy: ['firestore'] },
        { at: 13_000, process: 'worker-0', status: 200, unhealthy: [] },
      ],
      outputTopics,
    };
  }

  it('finds nothing wrong with a clean run, and measures recovery from the health samples', () => {
    const audit = auditChaosRun(cleanRun());
    assert.deepEqual(audit.violations, []);
    assert.equal(audit.figures.triggered, 4);
    assert.equal(audit.perFaultKind[0]!.seenInHealth, 1);
    assert.equal(audit.perFaultKind[0]!.recoveryMsMedian, 2_000);
  });

  it('names every kind of violation', () => {
    const run = cleanRun();
    run.triggers.push({ ...run.triggers[0]!, triggerId: id('phase2_to_phase3', 'again') });
    run.triggers = run.triggers.filter((t) => t.topic !== outputTopics.phase4_to_phase5);
    run.completionRowCounts.set([...run.completionRowCounts.keys()][0]!, 2);
    run.completionRowCounts.delete([...run.completionRowCounts.keys()][1]!);
    run.duplicateLogRows.push({ rowKey: 'log-1', count: 2 });
    run.alerts = [alert({ dedup_key: 'same' }), alert({ dedup_key: 'same' }), alert({ dedup_key: 'same' }), alert({ dedup_key: 'same' })];
    run.alerts.push(...Array.from({ length: 21 }, (_, i) => alert({ title: `BigQuery unavailable for 2024-11-${String(i + 1).padStart(2, '0')}`, dedup_key: `outage-${i}` })));
    run.health = [{ at: 5_000, process: 'worker-0', status: 200, unhealthy: [] }];
    const audit = auditChaosRun(run);
    const text = audit.violations.join('\n');
    assert.match(text, /phase2_to_phase3: 2 trigger ids/);
    assert.match(text, /phase4_to_phase5: never triggered \(state none, SILENT\)/);
    assert.match(text, /phase_completions row .*: 2 rows/);
    assert.match(text, /phase_completions row .*: 0 rows/);
    assert.match(text, /phase_execution_log row log-1: 2 rows/);
    assert.match(text, /planned date 2024-12-01 received nothing and nobody was told/);
    assert.match(text, /alert storm: same from a worker delivered 4 times within 60 s/);
    assert.match(text, /alert storm across dates: "BigQuery unavailable for DATE" delivered 21 times within 60 s/);
    assert.match(text, /fault 1 firestore_pause: no worker \/health reported firestore unhealthy/);
    assert.equal(audit.figures.doubled, 1);
    assert.equal(audit.figures.silent, 1);
  });
});
