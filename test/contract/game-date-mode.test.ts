import assert from 'node:assert/strict';
import { calendarDateIn, gameDateMode } from '../../contract/game-date-mode';

describe('contract: game date mode', function () {
  // 03:00 UTC on 2026-03-11 is still the 10th in New York and already the 11th in UTC and Tokyo.
  const at = Date.parse('2026-03-11T03:00:00Z');

  it('gives each time zone its own calendar date, also when asked again in between', function () {
    assert.equal(calendarDateIn('America/New_York', at), '2026-03-10');
    assert.equal(calendarDateIn('UTC', at), '2026-03-11');
    assert.equal(calendarDateIn('America/New_York', at), '2026-03-10');
    assert.equal(calendarDateIn('Asia/Tokyo', at + 20 * 3_600_000), '2026-03-12');
    assert.equal(calendarDateIn('America/New_York', at + 24 * 3_600_000), '2026-03-11');
  });

  it("compares the game date with today in the pipeline's time zone", function () {
    assert.equal(gameDateMode('2026-03-09', at, 'America/New_York'), 'overnight');
    assert.equal(gameDateMode('2026-03-10', at, 'America/New_York'), 'same_day');
    assert.equal(gameDateMode('2026-03-10', at, 'UTC'), 'overnight');
    assert.equal(gameDateMode('2026-03-11', at, 'America/New_York'), 'tomorrow');
  });
});
