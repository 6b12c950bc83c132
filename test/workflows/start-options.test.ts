import assert from 'node:assert/strict';
import { BACKLOG_DATE_PRIORITY, LIVE_DATE_PRIORITY } from '../../contract/date-priority';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { backlogTaskQueue, dateTaskQueue, triggerTaskQueue, workerTaskQueues } from '../../workflows/game-date/messages';
import { gameDateStartOptions } from '../../workflows/game-date/start-options';

describe("workflows: a date's start options", function () {
  const definition = loadPipelineDefinition();
  // Noon in New York on 2026-03-10.
  const now = Date.parse('2026-03-10T16:00:00Z');

  it("starts a live date on the task queue and a backfill's date on the backlog's, each with its priority", function () {
    const live = gameDateStartOptions(definition, '2026-03-09', { taskQueue: 'orchestrator', now });
    assert.deepEqual([live.taskQueue, live.priority.priorityKey], ['orchestrator', LIVE_DATE_PRIORITY]);
    const backlog = gameDateStartOptions(definition, '2026-03-08', { taskQueue: 'orchestrator', now });
    assert.deepEqual([backlog.taskQueue, backlog.priority.priorityKey], ['orchestrator-backlog', BACKLOG_DATE_PRIORITY]);
    assert.equal(live.workflowId, gameDateStartOptions(definition, '2026-03-09', { taskQueue: 'other', now: 0 }).workflowId, 'the id depends on the date alone');
  });

  it('takes the backlog age the bridge is configured with', function () {
    assert.equal(gameDateStartOptions(definition, '2026-03-08', { taskQueue: 'orchestrator', now, backlogAgeDays: 3 }).taskQueue, 'orchestrator');
  });

  it("names the four queues a worker polls, the backlog's triggers derived like the live ones", function () {
    assert.equal(dateTaskQueue('q', LIVE_DATE_PRIORITY), 'q');
    assert.equal(dateTaskQueue('q', BACKLOG_DATE_PRIORITY), 'q-backlog');
    assert.deepEqual(workerTaskQueues('q'), { dates: 'q', triggers: 'q-triggers', backlogDates: 'q-backlog', backlogTriggers: 'q-backlog-triggers' });
    assert.equal(workerTaskQueues('q').backlogTriggers, triggerTaskQueue(backlogTaskQueue('q')), 'a backlog date derives its trigger queue from its own, as every date does');
  });
});
