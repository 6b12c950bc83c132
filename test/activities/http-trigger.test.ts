import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { HttpTriggerInput } from '../../activities/activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from '../../activities/activity-error-types';
import { createHttpTrigger } from '../../activities/http-trigger';
import { closedPort, startHttpReceiver, type HttpReceiver } from './http-receiver';
import { runActivity, uniqueGameDate } from './activity-test-env';

const URL_VAR = 'PREDICTION_COORDINATOR_URL';

function input(gameDate = uniqueGameDate()): HttpTriggerInput {
  return {
    gameDate,
    transition: 'phase4_to_phase5',
    triggerId: `nba/${gameDate}/phase4_to_phase5/1`,
    urlEnvVar: URL_VAR,
    path: '/start',
    body: { game_date: gameDate, correlation_id: 'corr-1', trigger_source: 'phase4_orchestrator' },
  };
}

function assertNoUrl(err: ApplicationFailure, receiver: { port: number }): void {
  const text = `${err.message} ${JSON.stringify(err.details ?? [])} ${String(err.cause ?? '')}`;
  assert.ok(!text.includes('127.0.0.1'), `error leaks the host: ${text}`);
  assert.ok(!text.includes(String(receiver.port)), `error leaks the port: ${text}`);
  assert.equal(err.cause, undefined, 'no cause chain (it would carry the address into history)');
}

describe('activities: callHttpTrigger', function () {
  let receiver: HttpReceiver;
  let callHttpTrigger: ReturnType<typeof createHttpTrigger>;

  beforeEach(async function () {
    receiver = await startHttpReceiver();
    callHttpTrigger = createHttpTrigger({ env: { [URL_VAR]: `${receiver.url}/coordinator/` }, timeoutMs: 2_000 });
  });
  afterEach(async function () {
    await receiver.close();
  });

  it('an unset URL variable means nothing to call', async function () {
    const result = await runActivity(createHttpTrigger({ env: {} }), input());
    assert.deepEqual(result, { called: false });
  });

  it('POSTs the JSON body to <url><path> with X-Trigger-Id; 200 is accepted', async function () {
    const request = input();
    const result = await runActivity(callHttpTrigger, request);
    assert.deepEqual(result, { called: true, status: 200, outcome: 'accepted' });
    assert.equal(receiver.requests.length, 1);
    const got = receiver.requests[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/coordinator/start');
    assert.equal(got.headers['x-trigger-id'], request.triggerId);
    assert.match(String(got.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(got.body), request.body);
  });

  it('202 is accepted', async function () {
    receiver.replies.push({ status: 202 });
    assert.deepEqual(await runActivity(callHttpTrigger, input()), { called: true, status: 202, outcome: 'accepted' });
  });

  it('409 counts as accepted: already running', async function () {
    receiver.replies.push({ status: 409, body: 'already_running' });
    assert.deepEqual(await runActivity(callHttpTrigger, input()), { called: true, status: 409, outcome: 'already_running' });
  });

  it('failure 9: a trigger rejected with HTTP 400 is a non-retryable failure, never a success', async function () {
    const request = input();
    receiver.replies.push({ status: 400, body: `missing field source_table (you called ${receiver.url}/coordinator/start)` });
    await assert.rejects(runActivity(callHttpTrigger, request), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, NonRetryableActivityErrors.httpTriggerRejected);
      assert.match(err.message, /HTTP 400/);
      assert.match(err.message, /missing field source_table/);
      assert.ok(err.message.includes(request.gameDate) && err.message.includes('phase4_to_phase5'));
      assertNoUrl(err, receiver);
      return true;
    });
  });

  it('other 4xx (403, 404) are non-retryable too; 429 is retryable', async function () {
    for (const status of [403, 404]) {
      receiver.replies.push({ status });
      await assert.rejects(runActivity(callHttpTrigger, input()), (err) => err instanceof ApplicationFailure && err.nonRetryable);
    }
    receiver.replies.push({ status: 429 });
    await assert.rejects(runActivity(callHttpTrigger, input()), (err) => err instanceof ApplicationFailure && !err.nonRetryable);
  });

  it('failure 10: a 500 from the trigger target is a retryable failure, never logged and forgotten', async function () {
    receiver.replies.push({ status: 500, body: 'internal error' });
    await assert.rejects(runActivity(callHttpTrigger, input()), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.type, RetryableActivityErrors.httpTriggerUnavailable);
      assert.match(err.message, /HTTP 500/);
      assertNoUrl(err, receiver);
      return true;
    });
  });

  it('failure 10: a dead trigger URL (connection refused) is a retryable failure that does not reveal the URL', async function () {
    const port = await closedPort();
    const dead = createHttpTrigger({ env: { [URL_VAR]: `http://127.0.0.1:${port}` }, timeoutMs: 2_000 });
    await assert.rejects(runActivity(dead, input()), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, /ECONNREFUSED/);
      assertNoUrl(err, { port });
      return true;
    });
  });

  it('a target that never answers times out retryably', async function () {
    const hanging = createHttpTrigger({
      env: { [URL_VAR]: receiver.url },
      timeoutMs: 200,
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
        }),
    });
    await assert.rejects(runActivity(hanging, input()), (err) => err instanceof ApplicationFailure && !err.nonRetryable && /timed out/.test(err.message));
  });

  it('a URL variable that holds no http(s) URL is a non-retryable configuration error', async function () {
    const broken = createHttpTrigger({ env: { [URL_VAR]: 'ftp://example.invalid' } });
    await assert.rejects(runActivity(broken, input()), (err) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, NonRetryableActivityErrors.httpTriggerMisconfigured);
      assert.ok(!err.message.includes('example.invalid'));
      return true;
    });
  });
});
