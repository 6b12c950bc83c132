import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createBridgeMetrics, type BridgeMetrics } from '../../bridge/bridge-metrics';
import { CompletionBridge } from '../../bridge/completion-bridge';
import { TemporalReachability } from '../../bridge/temporal-reachability';
import { BACKLOG_DATE_PRIORITY, LIVE_DATE_PRIORITY } from '../../contract/date-priority';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { backlogTaskQueue, COMPLETION_SIGNAL_NAMES, completionsSignal, gameDateWorkflowId } from '../../workflows/game-date/messages';
import { completionBody, metricValue, uniquePastDate, waitFor } from '../e2e/e2e-kit';
import { testStack } from '../harness';

/** The completion signals in the date's history (`completion` and `completions`), each with the message ids it carries. */
async function completionSignalsOf(client: Client, workflowId: string): Promise<{ name: string; messageIds: string[] }[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    const data = attributes?.input?.payloads?.[0]?.data;
    if (!attributes?.signalName || !COMPLETION_SIGNAL_NAMES.includes(attributes.signalName) || !data) return [];
    const argument = JSON.parse(Buffer.from(data).toString('utf8')) as { messageId: string } | { messageId: string }[];
    return [{ name: attributes.signalName, messageIds: (Array.isArray(argument) ? argument : [argument]).map((s) => s.messageId) }];
  });
}

/** Completion signals in the date's history carrying `messageId`. */
async function signalsOf(client: Client, workflowId: string, messageId: string): Promise<number> {
  return (await completionSignalsOf(client, workflowId)).filter((signal) => signal.messageIds.includes(messageId)).length;
}

// The real Pub/Sub emulator and Temporal dev server; no worker is needed, since a signal is recorded in the
// history whether or not the workflow has run.
describe('bridge: a redelivered message, and the priority and task queue a date starts with', function () {
  this.timeout(60_000);
  let pubsub: PubSub;
  let connection: Connection;
  let client: Client;
  let metrics: BridgeMetrics;
  let bridge: CompletionBridge;
  let subscription: Subscription | undefined;
  const delivered: Message[] = [];
  const definition = loadPipelineDefinition();
  const transition = definition.transitions[0]!;
  const subscriptionName = `redelivery-${randomUUID()}`;
  const taskQueue = `redelivery-${randomUUID()}`;

  before(async function () {
    const stack = testStack();
    pubsub = new PubSub({ projectId: stack.projectId, apiEndpoint: stack.pubsubEmulatorHost, emulatorMode: true });
    await pubsub.topic(transition.completionTopic).createSubscription(subscriptionName, { ackDeadlineSeconds: 60 });
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.temporalNamespace });
    metrics = createBridgeMetrics('test');
    // The bridge's own subscription object, so the test can hand it the same delivery a second time.
    const openSubscription = pubsub.subscription.bind(pubsub);
    pubsub.subscription = (name, options) => {
      subscription = openSubscription(name, options);
      subscription.on('message', (message: Message) => delivered.push(message));
      return subscription;
    };
    const silent = pino({ enabled: false });
    bridge = new CompletionBridge({
      pubsub,
      client,
      definition: { ...definition, transitions: [transition] },
      taskQueue,
      subscriptionName: () => subscriptionName,
      maxInFlight: 10,
      maxSignalBatch: 50,
      streamsPerSubscription: 1,
      ackDeadlineSeconds: 60,
      signalTimeoutMs: 10_000,
      maxHoldMs: 60_000,
      sendAlert: async () => undefined,
      reachability: new TemporalReachability({ sendAlert: async () => undefined, log: silent, address: stack.temporalAddress }),
      metrics,
      log: silent,
    });
    bridge.start();
  });

  after(async function () {
    await bridge.stop(5_000);
    await pubsub.subscription(subscriptionName).delete().catch(() => undefined);
    await pubsub.close();
    await connection.close();
  });

  it('that this process already signalled is acknowledged without a second signal', async function () {
    const gameDate = uniquePastDate();
    const body = completionBody('phase_2_raw', 'NbacGamebookProcessor', gameDate);
    const messageId = await pubsub.topic(transition.completionTopic).publishMessage({ json: body });
    const acknowledged = async (outcome: string): Promise<number> => metricValue(await metrics.registry.metrics(), 'bridge_messages_acknowledged_total', { outcome });
    await waitFor('the first delivery signalled and acknowledged', async () => (await acknowledged('signalled')) === 1);
    const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
    assert.equal(await signalsOf(client, workflowId, messageId), 1);

    // Pub/Sub delivers the same message again (its acknowledgement came after the lease ran out).
    const first = delivered.find((message) => message.id === messageId);
    assert.ok(first && subscription, 'the bridge received the message');
    subscription.emit('message', first);
    await waitFor('the redelivery acknowledged', async () => (await acknowledged('already_signalled')) === 1);

    assert.equal(await acknowledged('signalled'), 1);
    assert.equal(metricValue(await metrics.registry.metrics(), 'bridge_messages_redelivered_total'), 1);
    assert.equal(await signalsOf(client, workflowId, messageId), 1, 'the redelivery must not reach the workflow again');
  });

  it("sends the messages of a date that arrive while its signal is in flight together in the next one", async function () {
    const gameDate = uniquePastDate();
    const topic = pubsub.topic(transition.completionTopic, { batching: { maxMessages: 100, maxMilliseconds: 20 } });
    const processors = transition.expectedProcessors.slice(0, 8);
    const messageIds = await Promise.all(processors.map((name) => topic.publishMessage({ json: completionBody('phase_2_raw', name, gameDate) })));
    const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
    // Until the first signal started it, the date has no workflow to read.
    const signalled = async () => (await completionSignalsOf(client, workflowId).catch(() => [])).flatMap((s) => s.messageIds).length;
    await waitFor('every message signalled', async () => (await signalled()) === messageIds.length);

    const signals = await completionSignalsOf(client, workflowId);
    assert.deepEqual(signals.flatMap((s) => s.messageIds).sort(), [...messageIds].sort(), 'each message in exactly one signal');
    assert.ok(signals.length < messageIds.length, `${messageIds.length} messages arriving together took ${signals.length} signals`);
    assert.ok(signals.some((s) => s.name === completionsSignal.name && s.messageIds.length > 1), 'a batch signal carried several messages');
    assert.ok(metricValue(await metrics.registry.metrics(), 'bridge_signal_batch_size_count') >= signals.length);
    await client.workflow.getHandle(workflowId).terminate('test done');
  });

  it("starts a backfill's date at the backlog priority on the backlog's task queue, and a coming date at the live one on the task queue", async function () {
    // A date no other test uses: today's may be another test's planned date.
    const coming = new Date(Date.UTC(2100, 0, 1) + Math.floor(Math.random() * 9_000) * 86_400_000).toISOString().slice(0, 10);
    const backlogDate = uniquePastDate();
    const before = metricValue(await metrics.registry.metrics(), 'bridge_messages_acknowledged_total', { outcome: 'signalled' });
    for (const gameDate of [backlogDate, coming]) {
      await pubsub.topic(transition.completionTopic).publishMessage({ json: completionBody('phase_2_raw', 'NbacGamebookProcessor', gameDate) });
    }
    await waitFor('both signalled', async () => metricValue(await metrics.registry.metrics(), 'bridge_messages_acknowledged_total', { outcome: 'signalled' }) === before + 2);
    const priorityOf = async (gameDate: string) => (await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate)).describe()).priority?.priorityKey;
    assert.equal(await priorityOf(backlogDate), BACKLOG_DATE_PRIORITY);
    assert.equal(await priorityOf(coming), LIVE_DATE_PRIORITY);
    const taskQueueOf = async (gameDate: string) => (await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate)).describe()).taskQueue;
    assert.equal(await taskQueueOf(backlogDate), backlogTaskQueue(taskQueue));
    assert.equal(await taskQueueOf(coming), taskQueue);
    // The Web UI's summary and details of a date the bridge started.
    const description = await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, coming)).describe();
    assert.equal(await description.staticSummary(), `${definition.pipeline} game date ${coming}`);
    assert.match((await description.staticDetails()) ?? '', /Started by the completion bridge/);
    // Nothing polls this test's task queue: the date workflows would wait forever.
    for (const gameDate of [backlogDate, coming]) await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate)).terminate('test done');
  });
});
