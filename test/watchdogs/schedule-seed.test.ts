/** The local stack's seeded schedule: deterministic per date, so seeding on another day never changes a seeded date. */
import assert from 'node:assert/strict';
import { isSeededGameDay, seededGames, SEED_DAYS_AHEAD } from '../../local-stack/schedule-seed';
import { addDays } from '../../watchdogs/planning';
import { unrecordedLogRow } from '../../watchdogs/reconciliation-activities';
import { nbaDefinition } from '../workflows/workflow-test-kit';

describe('seeded schedule and unrecorded dates', () => {
  it('seeds today to two weeks ahead, skips one weekday in seven, and agrees with itself from one day to the next', () => {
    const today = '2026-12-01';
    const games = seededGames(today);
    const dates = [...new Set(games.map((g) => g.game_date))];
    assert.equal(dates[0], isSeededGameDay(today) ? today : addDays(today, 1));
    assert.ok(dates.every((d) => d >= today && d <= addDays(today, SEED_DAYS_AHEAD)));
    assert.equal(dates.length, SEED_DAYS_AHEAD + 1 - 2, 'two off days in a fortnight');
    assert.equal(new Set(games.map((g) => g.game_id)).size, games.length, 'game ids are unique');
    assert.ok(games.every((g) => g.home_team_tricode !== g.away_team_tricode && g.season_year === 2026));
    const tomorrow = seededGames(addDays(today, 1));
    const shared = (list: typeof games) => list.filter((g) => g.game_date > today && g.game_date <= addDays(today, SEED_DAYS_AHEAD)).map((g) => g.game_id);
    assert.deepEqual(shared(tomorrow), shared(games), 'a date seeded yesterday is seeded the same way today');
  });

  it("an unrecorded date's log row has one key per date, so recording it twice writes one row", () => {
    const definition = nbaDefinition();
    const a = unrecordedLogRow(definition, '2026-11-02', 1_000);
    const b = unrecordedLogRow(definition, '2026-11-02', 2_000);
    assert.equal(a.rowKey, 'nba:2026-11-02:calendar:unrecorded');
    assert.equal(a.rowKey, b.rowKey);
    assert.equal(a.status, 'unrecorded');
    assert.equal(a.phase_name, 'phase2_to_phase3');
  });
});
