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
import { completionSignal, gameDateWorkflowId } from '../../workflows/game-date/messages';
import { completionBody, metricValue, uniquePastDate, waitFor } from '../e2e/e2e-kit';
import { testStack } from '../harness';

/** Completion signals in the date's history carrying `messageId`. */
async function signalsOf(client: Client, workflowId: string, messageId: string): Promise<number> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    const data = attributes?.input?.payloads?.[0]?.data;
    return attributes?.signalName === completionSignal.name && data && Buffer.from(data).toString('utf8').includes(`"messageId":"${messageId}"`);
  }).length;
}

// The real Pub/Sub emulator and Temporal dev server; no worker is needed, since a signal is recorded in the
// history whether or not the workflow has run.
describe('bridge: a redelivered message, and the priority a date starts with', function () {
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
      taskQueue: `redelivery-${randomUUID()}`,
      subscriptionName: () => subscriptionName,
      maxInFlight: 10,
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

  it("starts a backfill's date at the backlog priority and a coming date at the live one", async function () {
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
    // The Web UI's summary and details of a date the bridge started.
    const description = await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, coming)).describe();
    assert.equal(await description.staticSummary(), `${definition.pipeline} game date ${coming}`);
    assert.match((await description.staticDetails()) ?? '', /Started by the completion bridge/);
    // Nothing polls this test's task queue: the date workflows would wait forever.
    for (const gameDate of [backlogDate, coming]) await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate)).terminate('test done');
  });
});
