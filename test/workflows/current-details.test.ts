/**
 * What the Web UI shows for a date, as pure functions: the current details rendered from a state, the static
 * summary and details every starter passes, and the summaries of activities. No Temporal, no services.
 */
import assert from 'node:assert/strict';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import type { TriggerContext } from '../../contract/trigger-payloads';
import { raise } from '../../workflows/game-date/alerts';
import { applyCompletion } from '../../workflows/game-date/completions';
import { escapeMarkdown, formatTime, renderCurrentDetails } from '../../workflows/game-date/current-details';
import { MINUTE } from '../../workflows/game-date/deadlines';
import { publishSummary } from '../../workflows/game-date/decisions';
import { queueLog } from '../../workflows/game-date/records';
import { gameDateStartMetadata } from '../../workflows/game-date/start-metadata';
import { initialState, markFailed, markTriggering, openRound, skipRound, transitionOf, type GameDateState } from '../../workflows/game-date/state';
import { dateStatus } from '../../workflows/game-date/status';
import { recordsSummary } from '../../workflows/game-date/writer';
import { completion, PHASE4 } from './completions';

const definition = loadPipelineDefinition();
const GAME_DATE = '2026-01-15';
const T0 = Date.parse('2026-01-15T12:00:00Z');

function details(state: GameDateState, now = T0): string {
  return renderCurrentDetails(definition, dateStatus(definition, state, false, now));
}

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  assert.ok(line, `a line starting with ${start} in:\n${text}`);
  return line;
}

describe('what the Web UI shows for a date (pure)', () => {
  describe('current details', () => {
    it('a fresh date: every transition waits for its first completion, the next deadline is the end of its lifetime', () => {
      const text = details(initialState(definition, GAME_DATE, T0));
      assert.equal(text.split('\n')[0], '**Open: `phase2_to_phase3`**');
      assert.equal(lineOf(text, '- `phase2_to_phase3`'), '- `phase2_to_phase3`: **waiting**, 0 of 5 processors; waits for its first phase_2_raw completion');
      assert.match(lineOf(text, '- `phase5_to_phase6`'), /waits for a phase_5_predictions batch at least 80% complete/);
      const lifetimeEnd = T0 + definition.maxLifetimeHours * 60 * MINUTE;
      assert.equal(lineOf(text, '- **Next deadline:**'), `- **Next deadline:** end of the date's lifetime, ${formatTime(lifetimeEnd, definition.timeZone)}`);
      for (const label of ['Last operator action', 'Last alert', 'Pending writes']) assert.equal(lineOf(text, `- **${label}:**`), `- **${label}:** none`);
    });

    it('names the missing processors, the labelled next deadline and the pending writes of a waiting phase', () => {
      const state = initialState(definition, GAME_DATE, T0);
      for (const name of PHASE4.slice(0, 4)) applyCompletion(definition, state, completion('phase_4_precompute', name, GAME_DATE), T0);
      const text = details(state);
      assert.equal(lineOf(text, '- `phase4_to_phase5`'), '- `phase4_to_phase5`: **waiting**, 4 of 5 processors; waits for ml_feature_store');
      assert.equal(lineOf(text, '- **Next deadline:**'), `- **Next deadline:** phase4_to_phase5 tier-1 timeout, ${formatTime(T0 + 60 * MINUTE, definition.timeZone)}`);
      assert.equal(lineOf(text, '- **Pending writes:**'), '- **Pending writes:** 4 completion rows, 1 Firestore document, 1 status row');
    });

    it('shows the last operator action, the last alert, a failed trigger, a skip and failing stores', () => {
      const state = initialState(definition, GAME_DATE, T0);
      const phase2 = definition.transitions[0];
      assert.ok(phase2);
      const round = openRound(transitionOf(state, phase2.name), 'main');
      round.firstCompletionAt = T0;
      markTriggering(round);
      markFailed(round, 'Pub/Sub refused the publish: 503', T0 + MINUTE);
      queueLog(state, phase2, round, 'failed', T0 + MINUTE, {});
      raise(state, { severity: 'error', title: 'phase2_to_phase3 trigger failed for 2026-01-15', text: '', dedupKey: 'k', now: T0 + MINUTE });
      skipRound(transitionOf(state, 'phase5_to_phase6'), 'main', false, { reason: 'no *games* today', operator: 'alice' });
      state.operatorActions.push({ at: T0 + 2 * MINUTE, action: 'skip', transition: 'phase5_to_phase6', round: 'main', reason: 'no *games* today', operator: 'alice' });
      state.outages.push('bigquery');
      const text = details(state);
      assert.equal(lineOf(text, '- `phase2_to_phase3`'), '- `phase2_to_phase3`: **failed**, 0 of 5 processors; waits for p2_bigdataball_pbp, p2_odds_game_lines, p2_odds_player_props, p2_nbacom_gamebook_pdf, p2_nbacom_boxscores; last error (attempt 1): Pub/Sub refused the publish: 503');
      assert.equal(lineOf(text, '- `phase5_to_phase6`'), '- `phase5_to_phase6`: skipped by alice: no \\*games\\* today');
      assert.equal(lineOf(text, '- **Last operator action:**'), `- **Last operator action:** skip \`phase5_to_phase6\` by alice, ${formatTime(T0 + 2 * MINUTE, definition.timeZone)}: no \\*games\\* today`);
      assert.equal(lineOf(text, '- **Last alert:**'), `- **Last alert:** error, ${formatTime(T0 + MINUTE, definition.timeZone)}: phase2_to_phase3 trigger failed for 2026-01-15`);
      assert.match(lineOf(text, '- **Pending writes:**'), /^- \*\*Pending writes:\*\* 1 log row, .*1 alert$/);
      assert.equal(lineOf(text, '- **Failing stores:**'), '- **Failing stores:** bigquery (retried with back-off)');
    });

    it('is the same text for the same state at a later time (no relative times), so it is set only on change', () => {
      const state = initialState(definition, GAME_DATE, T0);
      applyCompletion(definition, state, completion('phase_4_precompute', PHASE4[0] as string, GAME_DATE), T0);
      assert.equal(details(state, T0 + MINUTE), details(state, T0 + 30 * MINUTE));
    });

    it('times are the pipeline\'s local time with UTC beside it; operator text cannot become markup', () => {
      assert.equal(formatTime(T0, 'America/New_York'), '2026-01-15 07:00 EST (12:00 UTC)');
      assert.equal(escapeMarkdown('<b>*x*</b>\n[y](z) snake_case'), '\\<b\\>\\*x\\*\\</b\\> \\[y\\](z) snake_case');
    });
  });

  describe('static metadata from every starter', () => {
    it('a one-line summary with pipeline and date, and details naming the starter and every transition', () => {
      const bridge = gameDateStartMetadata(definition, GAME_DATE, { kind: 'bridge' });
      assert.equal(bridge.staticSummary, 'nba game date 2026-01-15');
      assert.ok(!bridge.staticSummary.includes('\n'));
      assert.match(bridge.staticDetails, /Started by the completion bridge/);
      for (const t of definition.transitions) assert.match(bridge.staticDetails, new RegExp(`\`${t.name}\`: `));
      assert.match(bridge.staticDetails, /`phase4_to_phase5`: all 5 processors of phase_4_precompute, else 4 after 60 min, 3 after 120 min, 1 after 240 min/);
      const planner = gameDateStartMetadata(definition, GAME_DATE, { kind: 'planner', expectations: [{ transition: 'phase3_to_phase4', expectedBy: T0 }] });
      assert.match(planner.staticDetails, /Started ahead of time by the planner.*`phase3_to_phase4` by 2026-01-15T12:00:00.000Z/);
      const operator = gameDateStartMetadata(definition, GAME_DATE, { kind: 'operator', actor: 'alice', reason: 'backfill after the outage', command: 'backfill' });
      assert.match(operator.staticDetails, /Started by operator alice with `backfill`: backfill after the outage/);
    });
  });

  describe('activity summaries', () => {
    it('say what a publish and a writer pass do', () => {
      const phase4 = definition.transitions.find((t) => t.name === 'phase4_to_phase5');
      assert.ok(phase4);
      const trigger = { completed: PHASE4, reason: 'all_complete' } as TriggerContext;
      assert.equal(publishSummary(phase4, trigger), 'publish phase4_to_phase5 trigger: 5 of 5 processors');
      assert.equal(publishSummary(phase4, { ...trigger, completed: PHASE4.slice(1), reason: 'tier2_timeout' }), 'publish phase4_to_phase5 trigger: 4 of 5 processors (tier2_timeout)');
      assert.equal(recordsSummary({ projections: [{}], completionRows: [], logRows: [{}, {}, {}], statusRows: [{}] }), 'write 3 log rows, 1 Firestore document, 1 status row');
    });
  });
});
