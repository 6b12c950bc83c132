import assert from 'node:assert/strict';
import { BACKLOG_DATE_PRIORITY, LIVE_DATE_PRIORITY, datePriorityKey } from '../../contract/date-priority';

describe('contract: date priority', function () {
  // 2026-03-10 15:00 UTC is 11:00 in New York: "today" there is 2026-03-10.
  const now = Date.parse('2026-03-10T15:00:00Z');
  const zone = 'America/New_York';

  it("today's, last night's and future dates are live; from two days back they are backlog", function () {
    assert.equal(datePriorityKey('2026-03-10', now, zone), LIVE_DATE_PRIORITY);
    assert.equal(datePriorityKey('2026-03-09', now, zone), LIVE_DATE_PRIORITY);
    assert.equal(datePriorityKey('2026-03-12', now, zone), LIVE_DATE_PRIORITY);
    assert.equal(datePriorityKey('2026-03-08', now, zone), BACKLOG_DATE_PRIORITY);
    assert.equal(datePriorityKey('2024-11-01', now, zone), BACKLOG_DATE_PRIORITY);
    assert.ok(LIVE_DATE_PRIORITY < BACKLOG_DATE_PRIORITY, 'Temporal runs the smaller key first');
  });

  it("judges today in the pipeline's time zone, and takes another age", function () {
    // 03:00 UTC on the 11th is still the 10th in New York.
    assert.equal(datePriorityKey('2026-03-09', Date.parse('2026-03-11T03:00:00Z'), zone), LIVE_DATE_PRIORITY);
    assert.equal(datePriorityKey('2026-03-09', now, zone, 1), BACKLOG_DATE_PRIORITY);
    assert.equal(datePriorityKey('2026-03-10', now, zone, 0), BACKLOG_DATE_PRIORITY);
  });
});
