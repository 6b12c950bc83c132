/**
 * The game-date workflow on the time-skipping server: every rule, deadline and outcome, with recording
 * activity fakes. Hours of pipeline time pass in milliseconds.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadToolPaths } from '../../local-stack/tools';
import { completionSignal, completionsSignal, operatorCommandUpdate } from '../../workflows/game-date/messages';
import { gameDateStateQuery, type PreviousRunInput } from '../../workflows/game-date/internal-messages';
import type { GameDateState } from '../../workflows/game-date/state';
import { completion, PHASE2, PHASE3, PHASE4 } from './completions';
import { nonRetryable, RecordingActivities } from './recording-activities';
import { nbaDefinition, nyDate, transition, withDateWorkflow } from './workflow-test-kit';

const MINUTE = 60_000;
const P2 = 'phase_2_raw';
const P3 = 'phase_3_analytics';
const P4 = 'phase_4_precompute';
const P5 = 'phase_5_predictions';

/** Polls a condition of the test's own (real time), for what the status query cannot show. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('game-date workflow (time-skipping server)', function () {
  this.timeout(90_000);
  let env: TestWorkflowEnvironment;
  let serverToday: () => Promise<string>;

  // A server per test: skipped time and leftovers of one test never leak into the next (about 1 s each).
  beforeEach(async function () {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: loadToolPaths().temporalTestServer } } });
    serverToday = async () => nyDate(0, await env.currentTimeMs());
  });

  afterEach(async function () {
    await env?.teardown();
  });

  const yesterday = async () => nyDate(-1, await env.currentTimeMs());

  describe('phase2_to_phase3 (all expected, 30-minute deadline)', () => {
    it('triggers once when every expected processor completed, then projects and logs in that order', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.logRows === 0, 'phase 2 triggers');
        assert.equal(recorder.published.length, 1);
        const [trigger] = recorder.published;
        assert.equal(trigger?.topic, 'nba-phase3-trigger');
        assert.equal(trigger?.messages.length, 1);
        const data = trigger?.messages[0]?.data;
        assert.deepEqual(
          { ...data, timestamp: undefined },
          {
            game_date: gameDate,
            correlation_id: `corr-${gameDate}`,
            trigger_source: 'orchestrator',
            triggered_by: 'phase2_to_phase3_orchestrator',
            upstream_processors_count: 5,
            timestamp: undefined,
            trigger_id: trigger?.triggerId,
          },
        );
        assert.equal(trigger?.messages[0]?.attributes.trigger_id, trigger?.triggerId);
        const afterPublish = recorder.calls.slice(recorder.calls.indexOf('publish:phase2_to_phase3'));
        assert.ok(afterPublish.indexOf('firestore:phase2_completion') < afterPublish.indexOf('log:phase2_to_phase3:complete'), afterPublish.join(' '));
        const projection = recorder.lastProjection('phase2_completion');
        assert.equal(projection?.meta._triggered, true);
        assert.equal(projection?.meta._completed_count, 5);
        assert.equal(projection?.meta._trigger_reason, 'all_complete');
        assert.deepEqual(recorder.logRows.map((r) => [r.phase_name, r.status]), [['phase2_to_phase3', 'complete']]);
        assert.equal(recorder.completionRows.length, 5);
      });
    });

    it('failure 1: a processor that never reports does not hold the date forever: the deadline triggers partially and alerts', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of PHASE2.slice(0, 4)) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').completed.length === 4, 'four completions applied');
        assert.equal(recorder.published.length, 0);
        await env.sleep(31 * MINUTE);
        const status = await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.alerts === 0, 'deadline trigger');
        assert.deepEqual(transition(status, 'phase2_to_phase3').missing, ['p2_nbacom_boxscores']);
        assert.equal(recorder.published.length, 1);
        assert.ok(recorder.logRows.some((r) => r.status === 'deadline_exceeded'));
        const alert = recorder.alerts.find((a) => a.transition === 'phase2_to_phase3' && a.title.includes('partially'));
        assert.ok(alert, 'partial trigger alerted');
        assert.equal(alert.severity, 'error', 'a missing critical processor makes it an error');
      });
    });

    it('monitor mode tracks, logs and alerts but publishes nothing', async () => {
      const gameDate = await yesterday();
      const definition = nbaDefinition((d) => {
        d.transitions[0]!.mode = 'monitor';
      });
      await withDateWorkflow(env, { gameDate, definition }, async ({ handle, recorder, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'monitored' && s.pendingWrites.alerts === 0, 'monitored');
        assert.equal(recorder.published.length, 0);
        assert.equal(recorder.logRows[0]?.metadata.monitor_only, true);
        assert.equal(recorder.lastProjection('phase2_completion')?.meta._triggered, false);
        assert.ok(recorder.alerts.some((a) => a.title.includes('monitor mode')));
      });
    });

    it('records and alerts an unknown processor name once, without counting it', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        await handle.signal(completionSignal, completion(P2, 'OddsApiGameLinezProcessor', gameDate));
        await handle.signal(completionSignal, completion(P2, 'OddsApiGameLinezProcessor', gameDate));
        await handle.signal(completionSignal, completion(P2, 'OddsApiGameLinesBatchProcessor', gameDate));
        const status = await until((s) => transition(s, 'phase2_to_phase3').completed.length === 1 && s.pendingWrites.alerts === 0 && s.pendingWrites.completionRows === 0, 'applied');
        assert.deepEqual(transition(status, 'phase2_to_phase3').completed, ['p2_odds_game_lines']);
        assert.equal(recorder.alerts.filter((a) => a.title.includes('OddsApiGameLinezProcessor')).length, 1, JSON.stringify(recorder.alerts));
        assert.equal(recorder.completionRows.filter((r) => r.processor_name === 'OddsApiGameLinezProcessor').length, 2);
      });
    });
  });

  describe('phase3_to_phase4 (mode-aware)', () => {
    it('failure 2: a same-day run with only upcoming_player_game_context triggers all five Phase 4 tables at once', async () => {
      const gameDate = await serverToday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        await handle.signal(completionSignal, completion(P3, 'UpcomingPlayerGameContextProcessor', gameDate, { metadata: { is_incremental: true, entities_changed: ['p1', 'p2'] } }));
        await until((s) => transition(s, 'phase3_to_phase4').rounds.some((r) => r.key === 'same_day' && r.state === 'triggered'), 'same-day trigger');
        const [trigger] = recorder.published;
        assert.equal(trigger?.topic, 'nba-phase4-trigger');
        assert.deepEqual(trigger?.messages.map((m) => m.data.source_table), PHASE3);
        const first = trigger?.messages[0]?.data ?? {};
        assert.equal(first.mode, 'same_day');
        assert.equal(first.trigger_reason, 'all_complete');
        assert.equal(first.analysis_date, gameDate);
        assert.equal(first.success, true);
        assert.equal(first.is_incremental, true);
        assert.deepEqual(first.entities_changed, { players: ['p1', 'p2'] });
        assert.equal(first.parent_processor, 'Phase3Orchestrator');
        assert.match(String(first.parent_execution_id), /^run-UpcomingPlayerGameContextProcessor/);
      });
    });

    it('triggers overnight on both critical processors plus 60% and again only once per mode', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of ['player_game_summary', 'upcoming_player_game_context', 'team_defense_game_summary']) {
          await handle.signal(completionSignal, completion(P3, name, gameDate));
        }
        await until((s) => transition(s, 'phase3_to_phase4').rounds.some((r) => r.key === 'overnight' && r.state === 'triggered'), 'overnight trigger');
        for (const name of ['team_offense_game_summary', 'upcoming_team_game_context']) await handle.signal(completionSignal, completion(P3, name, gameDate));
        await until((s) => transition(s, 'phase3_to_phase4').completed.length === 5, 'all five applied');
        assert.equal(recorder.published.length, 1);
        assert.equal(recorder.published[0]?.messages[0]?.data.trigger_reason, 'critical_plus_majority_60pct');
      });
    });

    it('alerts when an overnight round waits past its overdue time, and escalates later', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        await handle.signal(completionSignal, completion(P3, 'team_defense_game_summary', gameDate));
        await until((s) => transition(s, 'phase3_to_phase4').completed.length === 1, 'applied');
        await env.sleep(241 * MINUTE);
        await until((s) => transition(s, 'phase3_to_phase4').state === 'overdue' && s.pendingWrites.alerts === 0, 'overdue');
        assert.ok(recorder.logRows.some((r) => r.phase_name === 'phase3_to_phase4' && r.status === 'overdue'));
        assert.equal(recorder.alerts.filter((a) => a.title.startsWith('phase3_to_phase4 overdue')).at(-1)?.severity, 'error');
        await env.sleep(241 * MINUTE);
        await until(() => recorder.alerts.some((a) => a.severity === 'critical' && a.title.includes('overdue')), 'escalation');
      });
    });
  });

  describe('phase4_to_phase5 (tiers and circuit breaker)', () => {
    it('triggers tier2_timeout after one hour with four of five, carrying missing_processors and wait_seconds, and calls the HTTP trigger', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of PHASE4.filter((n) => n !== 'player_composite_factors')) await handle.signal(completionSignal, completion(P4, name, gameDate));
        await until((s) => transition(s, 'phase4_to_phase5').completed.length === 4, 'applied');
        assert.equal(recorder.published.length, 0);
        await env.sleep(61 * MINUTE);
        await until((s) => transition(s, 'phase4_to_phase5').state === 'triggered', 'tier 2');
        const data = recorder.published[0]?.messages[0]?.data ?? {};
        assert.equal(data.trigger_reason, 'tier2_timeout');
        assert.deepEqual(data.missing_processors, ['player_composite_factors']);
        assert.deepEqual(data.missing_tables, ['player_composite_factors']);
        assert.ok(Number(data.wait_seconds) >= 3600);
        assert.equal(data.upstream_processors_count, 4);
        assert.equal(data.expected_processors, 5);
        assert.equal(recorder.httpCalls[0]?.body.trigger_source, 'phase4_orchestrator');
        assert.equal(recorder.httpCalls[0]?.urlEnvVar, 'PREDICTION_COORDINATOR_URL');
      });
    });

    it('failure 3: three of five without the critical processors is blocked at every tier, alerted, and released by the critical completion', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of ['team_defense_zone_analysis', 'player_shot_zone_analysis', 'player_composite_factors']) {
          await handle.signal(completionSignal, completion(P4, name, gameDate));
        }
        await until((s) => transition(s, 'phase4_to_phase5').completed.length === 3, 'applied');
        await env.sleep(2 * 60 * MINUTE + MINUTE);
        const blocked = await until((s) => transition(s, 'phase4_to_phase5').state === 'blocked' && s.pendingWrites.logRows === 0, 'blocked');
        assert.equal(transition(blocked, 'phase4_to_phase5').rounds[0]?.blockReason, 'circuit_breaker_tier3_timeout');
        await env.sleep(2 * 60 * MINUTE);
        await until((s) => s.pendingWrites.alerts === 0, 'alerts delivered');
        assert.equal(recorder.published.length, 0, 'never triggers without the critical processors');
        assert.deepEqual(recorder.logRows.filter((r) => r.status === 'blocked').map((r) => (r.metadata as { reason: string }).reason), ['circuit_breaker_tier3_timeout']);
        assert.ok(recorder.alerts.some((a) => a.title.includes('blocked') && a.text.includes('player_daily_cache')));
        for (const name of ['player_daily_cache', 'ml_feature_store']) await handle.signal(completionSignal, completion(P4, name, gameDate));
        await until((s) => transition(s, 'phase4_to_phase5').state === 'triggered', 'released');
        assert.equal(recorder.published.length, 1);
        assert.equal(recorder.published[0]?.messages[0]?.data.trigger_reason, 'all_complete');
      });
    });
  });

  describe('phase5_to_phase6 (per batch)', () => {
    it('exports each qualifying batch once and logs a batch that does not qualify with its reason', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        const good = completion(P5, 'PredictionCoordinator', gameDate, { execution_id: 'batch-1', metadata: { batch_id: 'batch-1', completion_pct: 92.5, completed_predictions: 410, expected_players: 443 } });
        await handle.signal(completionSignal, good);
        await handle.signal(completionSignal, { ...good, messageId: 'redelivered-other-subscription' });
        await handle.signal(completionSignal, completion(P5, 'PredictionCoordinator', gameDate, { execution_id: 'batch-2', metadata: { batch_id: 'batch-2', completion_pct: 41 } }));
        await until((s) => transition(s, 'phase5_to_phase6').rounds.length === 2 && s.pendingWrites.logRows === 0 && s.pendingWrites.alerts === 0, 'both batches decided');
        assert.equal(recorder.published.length, 1);
        const data = recorder.published[0]?.messages[0]?.data ?? {};
        assert.equal(data.target_date, gameDate);
        assert.equal(data.update_latest, true);
        assert.equal(data.upstream_batch_id, 'batch-1');
        assert.equal(data.upstream_predictions, 410);
        assert.equal((data.export_types as string[]).length, 15);
        const skipped = recorder.logRows.find((r) => r.status === 'skipped');
        assert.equal((skipped?.metadata as { reason: string }).reason, 'completion_pct_41_below_80');
        assert.ok(recorder.alerts.some((a) => a.title.includes('batch-2')));
      });
    });
    it('a batch arriving while an earlier trigger is still publishing is exported without waiting for that publish', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        const batch = (id: string) => completion(P5, 'PredictionCoordinator', gameDate, { execution_id: id, metadata: { batch_id: id, completion_pct: 95, completed_predictions: 95, expected_players: 100 } });
        const batchId = (input: { messages: { data: Record<string, unknown> }[] }) => input.messages[0]?.data.upstream_batch_id;
        // The first batch's publish is held until the second one's has been recorded (or 10 s of real time).
        recorder.holdPublish = async (input) => {
          if (batchId(input) === 'batch-1') await waitUntil(() => recorder.published.some((p) => batchId(p) === 'batch-2'), 'the second batch to publish', 10_000).catch(() => undefined);
        };
        await handle.signal(completionSignal, batch('batch-1'));
        await waitUntil(() => recorder.calls.includes('publish:phase5_to_phase6'), 'the first publish to start');
        await handle.signal(completionSignal, batch('batch-2'));
        await until((s) => transition(s, 'phase5_to_phase6').rounds.every((r) => r.state === 'triggered') && transition(s, 'phase5_to_phase6').rounds.length === 2, 'both batches exported');
        assert.deepEqual(recorder.published.map(batchId), ['batch-2', 'batch-1']);
      });
    });
  });

  describe('delivery faults', () => {
    it('failure 6: concurrent and duplicate deliveries count every processor exactly once and trigger once', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        const signals = PHASE2.map((name) => completion(P2, name, gameDate));
        const redelivered = signals.map((s) => ({ ...s }));
        const otherSubscription = signals.map((s, i) => ({ ...s, messageId: `second-subscription-${i}` }));
        await Promise.all([...signals, ...redelivered, ...otherSubscription].map((s) => handle.signal(completionSignal, s)));
        const status = await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.completionRows === 0, 'triggered');
        assert.equal(transition(status, 'phase2_to_phase3').completed.length, 5);
        assert.equal(status.duplicatesDropped, 10);
        assert.equal(recorder.published.length, 1);
        assert.equal(recorder.completionRows.length, 5);
      });
    });

    it("a batch of completions (the bridge's `completions` signal) counts as its messages one by one would, duplicates included", async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        const signals = PHASE2.map((name) => completion(P2, name, gameDate));
        // A batch carrying a redelivery of its own first message, then a single signal repeating one of the batch.
        await handle.signal(completionsSignal, [...signals, { ...signals[0]! }]);
        await handle.signal(completionSignal, { ...signals[2]! });
        const status = await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.completionRows === 0 && s.duplicatesDropped === 2, 'triggered');
        assert.equal(transition(status, 'phase2_to_phase3').completed.length, PHASE2.length);
        assert.equal(recorder.published.length, 1);
        assert.equal(recorder.completionRows.length, PHASE2.length);
      });
    });

    it('failure 7: a trigger whose publish fails is never marked triggered, is alerted, and a later completion triggers it', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      let failing = true;
      recorder.failPublish = () => (failing ? nonRetryable('topic nba-phase3-trigger not found', 'TriggerTopicNotFound')() : undefined);
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        const failed = await until((s) => transition(s, 'phase2_to_phase3').state === 'failed' && s.pendingWrites.alerts === 0 && s.pendingWrites.projections.length === 0, 'failed');
        assert.match(transition(failed, 'phase2_to_phase3').rounds[0]?.error ?? '', /TriggerTopicNotFound/);
        assert.equal(recorder.lastProjection('phase2_completion')?.meta._triggered, false);
        assert.ok(recorder.logRows.some((r) => r.status === 'failed'));
        assert.ok(recorder.alerts.some((a) => a.title.includes('trigger failed') && a.text.includes('NOT marked triggered')));
        failing = false;
        await handle.signal(completionSignal, completion(P2, 'p2_nbacom_boxscores', gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.projections.length === 0, 'retried');
        assert.equal(recorder.published.length, 1);
        assert.equal(recorder.lastProjection('phase2_completion')?.meta._triggered, true);
      });
    });

    it('a trigger whose retry budget is spent is retried on a workflow timer with back-off, alerted at each failure, without any new completion', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      let failures = 2;
      recorder.failPublish = () => (failures-- > 0 ? nonRetryable('Pub/Sub unavailable for too long', 'PubSubUnavailable')() : undefined);
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'failed' && s.pendingWrites.alerts === 0, 'first failure');
        await env.sleep(5 * MINUTE + 30_000);
        const second = await until((s) => transition(s, 'phase2_to_phase3').rounds[0]?.attempts === 2 && s.pendingWrites.alerts === 0, 'second failure');
        assert.equal(transition(second, 'phase2_to_phase3').state, 'failed');
        await env.sleep(10 * MINUTE + 30_000);
        await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.pendingWrites.alerts === 0, 'triggered by the third attempt');
        assert.equal(recorder.published.length, 1);
        const failed = recorder.alerts.filter((a) => a.title.includes('trigger failed'));
        assert.deepEqual(failed.map((a) => a.severity), ['error', 'critical']);
        assert.match(failed[0]?.text ?? '', /retried automatically at .* \(attempt 2 of 5\)/);
        assert.ok(recorder.alerts.some((a) => a.title.includes('recovered')));
      });
    });

    it('a trigger topic without a subscription fails the round re-triggerably with a critical alert naming the topic', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      recorder.failPublish = nonRetryable('Did not publish trigger for nba-phase3-trigger: the topic has no subscription', 'TriggerTopicUnsubscribed');
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        const failed = await until((s) => transition(s, 'phase2_to_phase3').state === 'failed' && s.pendingWrites.alerts === 0, 'failed');
        assert.equal(transition(failed, 'phase2_to_phase3').rounds[0]?.attempts, 1);
        const alert = recorder.alerts.find((a) => a.title.includes('trigger failed'));
        assert.equal(alert?.severity, 'critical');
        assert.match(alert?.text ?? '', /nba-phase3-trigger: the topic has no subscription/);
        assert.equal(recorder.published.length, 0);
      });
    });

    it('failure 11: a rejected HTTP trigger fails the transition loudly instead of marking it triggered; an operator force completes it', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      let rejecting = true;
      recorder.failHttp = () => (rejecting ? nonRetryable('coordinator answered HTTP 400: missing field', 'HttpTriggerRejected')() : undefined);
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE4) await handle.signal(completionSignal, completion(P4, name, gameDate));
        await until((s) => transition(s, 'phase4_to_phase5').state === 'failed', 'failed');
        assert.equal(recorder.published.length, 1, 'the Pub/Sub trigger went out');
        assert.equal(recorder.statusRows.find((r) => r.phase === 'phase4_to_phase5')?.is_triggered ?? false, false);
        rejecting = false;
        const result = await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'force', transition: 'phase4_to_phase5', reason: 'coordinator fixed', operator: 'oncall' }] });
        assert.equal(result.state, 'triggered');
        assert.equal(recorder.published.length, 1, 'the already published trigger is not published again');
        assert.equal(recorder.httpCalls.length, 1);
      });
    });

    it('keeps log rows while BigQuery is down, alerts, and writes them when it returns', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      let down = true;
      let attempts = 0;
      recorder.failBigQuery = () => (attempts++, down ? new Error('BigQuery unavailable') : undefined);
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        // Skip time only once the first write is under way, so its whole retry budget falls inside the skip.
        await waitUntil(() => attempts > 0, 'the first BigQuery write');
        await env.sleep(11 * MINUTE); // the BigQuery activities exhaust their retry budget
        const waiting = await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.outages.includes('bigquery') && s.pendingWrites.alerts === 0, 'outage noticed', true);
        assert.ok(waiting.pendingWrites.logRows >= 1);
        assert.ok(recorder.alerts.some((a) => a.title.startsWith('BigQuery unavailable')));
        assert.equal(recorder.lastProjection('phase2_completion')?.meta._triggered, true, 'Firestore still projected');
        down = false;
        await env.sleep(20 * MINUTE);
        await until((s) => s.pendingWrites.logRows === 0 && s.pendingWrites.completionRows === 0 && s.outages.length === 0 && s.pendingWrites.alerts === 0, 'recovered');
        assert.equal(recorder.logRows.length, 1);
        assert.equal(recorder.completionRows.length, 5);
        assert.ok(recorder.alerts.some((a) => a.title.startsWith('BigQuery writes recovered')));
      });
    });
    it('writes BigQuery rows while Firestore is down, keeps only the projections, and alerts for Firestore alone', async () => {
      const gameDate = await yesterday();
      const recorder = new RecordingActivities();
      let down = true;
      let attempts = 0;
      recorder.failFirestore = () => (attempts++, down ? new Error('Firestore unavailable') : undefined);
      await withDateWorkflow(env, { gameDate, recorder }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await waitUntil(() => attempts > 0, 'the first Firestore write');
        await env.sleep(11 * MINUTE); // the pass's retry budget is spent
        const waiting = await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered' && s.outages.includes('firestore') && s.pendingWrites.alerts === 0, 'outage noticed', true);
        assert.deepEqual(waiting.outages, ['firestore']);
        assert.equal(recorder.projections.length, 0, 'nothing reached Firestore yet');
        assert.equal(waiting.pendingWrites.logRows + waiting.pendingWrites.completionRows + waiting.pendingWrites.statusRows.length, 0, 'BigQuery parts written');
        assert.equal(recorder.logRows.length, 1);
        assert.equal(recorder.completionRows.length, 5);
        assert.ok(recorder.alerts.some((a) => a.title.startsWith('Firestore unavailable') && a.text.includes('projections: Firestore unavailable')), JSON.stringify(recorder.alerts.map((a) => [a.title, a.text])));
        assert.ok(!recorder.alerts.some((a) => a.title.startsWith('BigQuery unavailable')));
        down = false;
        await env.sleep(20 * MINUTE);
        await until((s) => s.outages.length === 0 && s.pendingWrites.projections.length === 0, 'recovered');
        assert.equal(recorder.lastProjection('phase2_completion')?.meta._triggered, true);
        assert.ok(recorder.alerts.some((a) => a.title.startsWith('Firestore writes recovered')));
      });
    });
  });

  describe('operator commands', () => {
    it('rejects a bad command with a clear error and leaves the date unchanged', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, status }) => {
        await assert.rejects(
          handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'force', transition: 'phase9_to_phase10', reason: 'x', operator: 'me' }] }),
          (error: unknown) => error instanceof WorkflowUpdateFailedError && /Unknown transition "phase9_to_phase10"/.test(String((error.cause)?.message)),
        );
        await assert.rejects(handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'skip', transition: 'phase2_to_phase3', reason: ' ', operator: 'me' }] }), WorkflowUpdateFailedError);
        assert.equal((await status()).operatorActions.length, 0);
      });
    });

    it('skip settles a transition with a log row; re-arm publishes a new trigger with a new id', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered', 'triggered');
        const rearmed = await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'rearm', transition: 'phase2_to_phase3', reason: 'phase 3 lost the message', operator: 'oncall' }] });
        assert.equal(rearmed.state, 'triggered');
        assert.equal(recorder.published.length, 2);
        assert.notEqual(recorder.published[0]?.triggerId, recorder.published[1]?.triggerId);
        const skipped = await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'skip', transition: 'phase5_to_phase6', reason: 'no games exported this date', operator: 'oncall' }] });
        assert.equal(skipped.state, 'skipped');
        const status = await until((s) => s.pendingWrites.logRows === 0, 'logged');
        assert.equal(transition(status, 'phase5_to_phase6').state, 'skipped');
        assert.ok(recorder.logRows.some((r) => r.phase_name === 'phase5_to_phase6' && r.status === 'skipped'));
        assert.deepEqual(status.operatorActions.map((a) => a.action), ['rearm', 'skip']);
      });
    });
  });

  describe('lifecycle', () => {
    it('finishes after every transition settled and the quiet period passed', async () => {
      const gameDate = await yesterday();
      await withDateWorkflow(env, { gameDate }, async ({ handle, recorder }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        for (const name of PHASE3) await handle.signal(completionSignal, completion(P3, name, gameDate));
        for (const name of PHASE4) await handle.signal(completionSignal, completion(P4, name, gameDate));
        await handle.signal(completionSignal, completion(P5, 'PredictionCoordinator', gameDate, { metadata: { completion_pct: 99 } }));
        const state = await handle.result();
        assert.equal(recorder.published.length, 4);
        assert.ok(Object.values(state.transitions).every((t) => Object.values(t.rounds).some((r) => r.state === 'triggered')));
      });
    });

    it('a duplicate arriving after the date finished is recorded but never triggers again', async () => {
      const gameDate = await yesterday();
      const first = new RecordingActivities();
      let finished: GameDateState | undefined;
      await withDateWorkflow(env, { gameDate, recorder: first, definition: nbaDefinition((d) => (d.quietPeriodMinutes = 1)) }, async ({ handle }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        for (const name of PHASE3) await handle.signal(completionSignal, completion(P3, name, gameDate));
        for (const name of PHASE4) await handle.signal(completionSignal, completion(P4, name, gameDate));
        await handle.signal(completionSignal, completion(P5, 'PredictionCoordinator', gameDate, { execution_id: 'b1', metadata: { completion_pct: 99 } }));
        finished = await handle.result();
      });
      const second = new RecordingActivities();
      second.previousRun = finished ?? null;
      await withDateWorkflow(env, { gameDate, recorder: second }, async ({ handle, until }) => {
        await handle.signal(completionSignal, completion(P2, 'p2_nbacom_boxscores', gameDate));
        await until((s) => s.pendingWrites.completionRows === 0 && s.pendingWrites.projections.length === 0 && second.completionRows.length === 1, 'late completion recorded');
        assert.equal(second.published.length, 0);
        assert.equal(second.lastProjection('phase2_completion')?.meta._triggered, true);
      });
    });

    it('a command that reaches a run before it restored the previous run is checked again against the restored state', async () => {
      const gameDate = await yesterday();
      let previous: GameDateState | undefined;
      await withDateWorkflow(env, { gameDate }, async ({ handle, until }) => {
        for (const name of PHASE2) await handle.signal(completionSignal, completion(P2, name, gameDate));
        await until((s) => transition(s, 'phase2_to_phase3').state === 'triggered', 'phase 2 triggered');
        previous = await handle.query(gameDateStateQuery);
      });
      // The restore takes a moment, so the command arrives (and passes the validator) while the state is still empty,
      // as when update-with-start re-opens a closed date.
      const second = new SlowRestore();
      second.previousRun = previous ?? null;
      await withDateWorkflow(env, { gameDate, recorder: second }, async ({ handle, status }) => {
        const force = handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'force', transition: 'phase2_to_phase3', reason: 'again', operator: 'oncall' }] });
        await assert.rejects(force, (error: unknown) => error instanceof WorkflowUpdateFailedError && /already triggered/.test(error.cause?.message ?? ''));
        const after = await status();
        assert.deepEqual(after.operatorActions, []);
        assert.equal(transition(after, 'phase2_to_phase3').state, 'triggered');
        assert.equal(second.published.length, 0);
      });
    });

    // Continue-as-new is exercised on the dev server (dev-server-runs.test.ts): the time-skipping server can
    // leave a query hanging while a run hands over to the next.

    it('an error inside workflow code fails the workflow visibly instead of leaving it Running', async () => {
      const gameDate = await yesterday();
      const corrupt = { transitions: null } as unknown as GameDateState;
      await withDateWorkflow(env, { gameDate, input: { carried: corrupt } }, async ({ handle }) => {
        await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError);
        assert.equal((await handle.describe()).status.name, 'FAILED');
      });
    });
  });
});

/** Restores the previous run after a second, like a Temporal round trip under load. */
class SlowRestore extends RecordingActivities {
  override activities(): ReturnType<RecordingActivities['activities']> {
    const activities = super.activities();
    return {
      ...activities,
      loadPreviousRunState: async (input: PreviousRunInput) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return activities.loadPreviousRunState(input);
      },
    };
  }
}
