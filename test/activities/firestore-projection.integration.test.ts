import assert from 'node:assert/strict';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { ApplicationFailure } from '@temporalio/common';
import { NonRetryableActivityErrors } from '../../activities/activity-error-types';
import { createFirestoreProjection } from '../../activities/firestore-projection';
import { projectionInput } from './activity-fixtures';
import { runActivity, testFirestore, uniqueGameDate } from './activity-test-env';

describe('activities: projectCompletionDocument', function () {
  let firestore: Firestore;
  let project: ReturnType<typeof createFirestoreProjection>;

  before(function () {
    firestore = testFirestore();
    project = createFirestoreProjection(firestore);
  });
  after(async function () {
    await firestore?.terminate();
  });

  it('writes processor maps with Firestore timestamps and the _ metadata keys', async function () {
    const gameDate = uniqueGameDate();
    await runActivity(project, projectionInput(gameDate));
    const data = (await firestore.collection('phase3_completion').doc(gameDate).get()).data();
    assert.ok(data);
    const entry = data.player_game_summary as Record<string, unknown>;
    assert.ok(entry.completed_at instanceof Timestamp);
    assert.equal(entry.completed_at.toDate().toISOString(), `${gameDate}T06:00:00.000Z`);
    assert.equal(entry.record_count, 240);
    assert.equal(data._completed_count, 1);
    assert.equal(data._mode, 'overnight');
    assert.equal(data._triggered, false);
    assert.ok(data._last_update instanceof Timestamp);
    assert.deepEqual(data._missing_processors, ['team_defense_game_summary']);
  });

  it('applying the same input twice changes nothing (not even the update time)', async function () {
    const gameDate = uniqueGameDate();
    const input = projectionInput(gameDate);
    const ref = firestore.collection('phase3_completion').doc(gameDate);
    await runActivity(project, input);
    const first = await ref.get();
    await runActivity(project, input);
    const second = await ref.get();
    assert.deepEqual(second.data(), first.data());
    assert.ok(second.updateTime?.isEqual(first.updateTime!), 'the second apply must not write');
  });

  it('never downgrades _triggered and never drops a stored processor', async function () {
    const gameDate = uniqueGameDate();
    const triggered = projectionInput(gameDate, {
      _triggered: true,
      _triggered_at: `${gameDate}T07:00:00.000Z`,
      _trigger_reason: 'all_complete',
      _last_update: `${gameDate}T07:00:00.000Z`,
    });
    triggered.processors.legacy_writer_processor = { ...triggered.processors.player_game_summary!, execution_id: 'legacy' };
    await runActivity(project, triggered);

    // A later input that says "not triggered" and lacks the legacy processor.
    const later = projectionInput(gameDate, { _last_update: `${gameDate}T08:00:00.000Z`, _completed_count: 2 });
    later.processors.team_defense_game_summary = { ...later.processors.player_game_summary!, execution_id: 'exec-2' };
    await runActivity(project, later);

    const data = (await firestore.collection('phase3_completion').doc(gameDate).get()).data()!;
    assert.equal(data._triggered, true);
    assert.equal(data._trigger_reason, 'all_complete');
    assert.ok(data._triggered_at instanceof Timestamp);
    assert.ok(data.legacy_writer_processor, 'stored processor kept');
    assert.ok(data.team_defense_game_summary, 'new processor added');
    assert.equal(data._completed_count, 2);
  });

  it('a late retry of an older input adds what is missing but never rolls metadata back', async function () {
    const gameDate = uniqueGameDate();
    const newer = projectionInput(gameDate, { _last_update: `${gameDate}T09:00:00.000Z`, _completed_count: 3, _mode: 'overnight' });
    await runActivity(project, newer);
    const older = projectionInput(gameDate, { _last_update: `${gameDate}T05:00:00.000Z`, _completed_count: 1, _mode: 'same_day' });
    older.processors.upcoming_player_game_context = { ...older.processors.player_game_summary!, execution_id: 'exec-0' };
    older.processors.player_game_summary = { ...older.processors.player_game_summary!, execution_id: 'stale' };
    await runActivity(project, older);

    const data = (await firestore.collection('phase3_completion').doc(gameDate).get()).data()!;
    assert.equal(data._completed_count, 3);
    assert.equal(data._mode, 'overnight');
    assert.equal((data._last_update as Timestamp).toDate().toISOString(), `${gameDate}T09:00:00.000Z`);
    assert.equal((data.player_game_summary as { execution_id: string }).execution_id, 'exec-1');
    assert.ok(data.upcoming_player_game_context, 'processor only the older input knew is added');
  });

  it('concurrent applies of two inputs keep both processors', async function () {
    const gameDate = uniqueGameDate();
    const a = projectionInput(gameDate);
    const b = projectionInput(gameDate);
    b.processors = { team_offense_game_summary: { ...a.processors.player_game_summary!, execution_id: 'exec-b' } };
    await Promise.all([runActivity(project, a), runActivity(project, b)]);
    const data = (await firestore.collection('phase3_completion').doc(gameDate).get()).data()!;
    assert.ok(data.player_game_summary);
    assert.ok(data.team_offense_game_summary);
  });

  it('an unparseable timestamp is a non-retryable failure naming the document', async function () {
    const gameDate = uniqueGameDate();
    const input = projectionInput(gameDate, { _last_update: 'yesterday-ish' });
    await assert.rejects(runActivity(project, input), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, NonRetryableActivityErrors.firestoreProjectionInvalid);
      assert.match(err.message, new RegExp(`phase3_completion/${gameDate}`));
      return true;
    });
  });
});
