/**
 * `npm run demo`: one realistic game day pushed through a stack started by `npm start` (another terminal).
 * It publishes pre-game and post-game completions, a duplicate, a malformed message and leaves one Phase 4
 * processor silent, then tells in plain words what the orchestrator did: transitions, trigger messages,
 * dead letters, alerts, and where to look in the Temporal Web UI.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { gameDateWorkflowId, statusQuery } from '../workflows/game-date/messages';
import type { GameDateStatus } from '../workflows/game-date/status';
import { DEFAULT_ALERT_SINK_PORT, type ReceivedAlert } from './alert-sink';
import { deadLetterTopicName } from '../contract/pipeline-topics';
import { readPidFile } from './stack';
import { endpointsToEnv, type StackEndpoints } from './stack-endpoints';

const say = (text = ''): void => console.log(text);
const step = (text: string): void => console.log(`\n== ${text}`);

function endpointsFromEnvOrFile(): StackEndpoints {
  const recorded = readPidFile()?.endpoints;
  if (recorded) return recorded;
  const env = process.env;
  if (!env.TEMPORAL_ADDRESS || !env.PUBSUB_EMULATOR_HOST) {
    throw new Error('No running stack found (.data/stack.json is missing). Start one with `npm start` in another terminal first.');
  }
  return {
    projectId: env.GOOGLE_CLOUD_PROJECT ?? 'nba-local',
    temporalAddress: env.TEMPORAL_ADDRESS,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    temporalUiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    pubsubEmulatorHost: env.PUBSUB_EMULATOR_HOST,
    firestoreEmulatorHost: env.FIRESTORE_EMULATOR_HOST ?? '',
    bigqueryApiEndpoint: env.BIGQUERY_API_ENDPOINT ?? '',
    bigqueryDataset: env.BIGQUERY_DATASET ?? 'nba_orchestration',
  };
}

/** `YYYY-MM-DD` in New York, `days` before today. */
function nyDate(daysAgo: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(Date.now() - daysAgo * 86_400_000));
}

interface Completion {
  processor: string;
  phase: string;
  status?: string;
  metadata?: Record<string, unknown>;
}

async function main(): Promise<void> {
  const endpoints = endpointsFromEnvOrFile();
  Object.assign(process.env, endpointsToEnv(endpoints));
  const definition = loadPipelineDefinition();
  const topicOf = (phase: string): string => definition.transitions.find((t) => t.phase === phase)!.completionTopic;
  const connection = await Connection.connect({ address: endpoints.temporalAddress }).catch(() => {
    throw new Error(`Temporal does not answer at ${endpoints.temporalAddress}. Is \`npm start\` running?`);
  });
  const client = new Client({ connection, namespace: endpoints.temporalNamespace });
  const pubsub = new PubSub({ projectId: endpoints.projectId });
  const sinkUrl = `http://127.0.0.1:${process.env.ALERT_SINK_PORT || DEFAULT_ALERT_SINK_PORT}/alerts`;

  // A date the orchestrator has not seen yet, so the story starts from the beginning (a settled date would
  // rightly ignore the same completions).
  let gameDate = nyDate(1);
  for (let back = 1; back < 400; back++) {
    gameDate = nyDate(back);
    try {
      await client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate)).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) break;
      throw error;
    }
  }
  const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
  const correlationId = `demo-${gameDate}-${randomUUID().slice(0, 6)}`;
  say(`Demo game day: ${gameDate} (games played that evening, New York time). Correlation id ${correlationId}.`);

  // Private readers on the output topics, so the demo sees exactly what downstream services would receive.
  const readers: { topic: string; subscription: Subscription; messages: Record<string, unknown>[] }[] = [];
  const outputTopics = [...new Set(definition.transitions.map((t) => t.outputTopic)), deadLetterTopicName(topicOf('phase_2_raw'))];
  for (const topic of outputTopics) {
    const [subscription] = await pubsub.topic(topic).createSubscription(`${topic}-demo-${randomUUID().slice(0, 8)}`);
    const reader = { topic, subscription, messages: [] as Record<string, unknown>[] };
    subscription.on('message', (message: Message) => {
      message.ack();
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(message.data.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { raw: message.data.toString('utf8') };
      }
      reader.messages.push({ ...body, _attributes: message.attributes });
    });
    readers.push(reader);
  }

  let sequence = 0;
  let last: Record<string, unknown> = {};
  const publishBody = async (body: Record<string, unknown>, note: string): Promise<void> => {
    const id = await pubsub.topic(topicOf(String(body.phase))).publishMessage({ json: body });
    say(`  published ${String(body.processor_name).padEnd(34)} ${note} (message ${id})`);
  };
  const publish = async (c: Completion, note: string): Promise<void> => {
    sequence += 1;
    last = {
      processor_name: c.processor,
      phase: c.phase,
      execution_id: `${c.processor}-${gameDate}-${sequence}`,
      correlation_id: correlationId,
      game_date: gameDate,
      status: c.status ?? 'success',
      record_count: 120 + sequence,
      timestamp: new Date().toISOString(),
      metadata: c.metadata ?? {},
    };
    await publishBody(last, note);
  };
  const publishRaw = async (topic: string, data: string, note: string): Promise<void> => {
    const id = await pubsub.topic(topic).publishMessage({ data: Buffer.from(data) });
    say(`  published ${note} (message ${id})`);
  };

  step('Pre-game: the scrapers of the morning report (Phase 2 raw data)');
  await publish({ processor: 'NbacScheduleProcessor', phase: 'phase_2_raw' }, 'schedule: recorded, not waited for');
  await publish({ processor: 'OddsApiGameLinesBatchProcessor', phase: 'phase_2_raw' }, 'game lines');
  await publish({ processor: 'OddsApiPropsBatchProcessor', phase: 'phase_2_raw' }, 'player props');

  step('Post-game: the box scores and play-by-play arrive overnight');
  await publish({ processor: 'BigDataBallPbpProcessor', phase: 'phase_2_raw' }, 'play-by-play');
  await publish({ processor: 'NbacGamebookProcessor', phase: 'phase_2_raw' }, 'gamebook');
  await publish({ processor: 'NbacPlayerBoxscoreProcessor', phase: 'phase_2_raw' }, 'box scores: the last one Phase 3 waits for');
  await publishBody(last, 'the SAME completion again under a new message id (a duplicate delivery)');
  await publishRaw(topicOf('phase_2_raw'), '{"processor_name": "NbacGamebookProcessor", "game_date": "TODAY", "status": "success"', 'a MALFORMED message (cut-off JSON, game_date "TODAY")');

  step('Phase 3 analytics finish for the night');
  for (const processor of ['PlayerGameSummaryProcessor', 'TeamDefenseGameSummaryProcessor', 'TeamOffenseGameSummaryProcessor', 'UpcomingPlayerGameContextProcessor', 'UpcomingTeamGameContextProcessor']) {
    await publish({ processor, phase: 'phase_3_analytics' }, '');
  }

  step('Phase 4 precompute: four of five report; player_composite_factors never does');
  for (const processor of ['TeamDefenseZoneAnalysisProcessor', 'PlayerShotZoneAnalysisProcessor', 'PlayerDailyCacheProcessor', 'MLFeatureStoreProcessor']) {
    await publish({ processor, phase: 'phase_4_precompute' }, '');
  }

  step('Waiting for the orchestrator (up to 60 s) …');
  const handle = client.workflow.getHandle(workflowId);
  let status: GameDateStatus | undefined;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    status = await handle.query(statusQuery).catch(() => undefined);
    const phase4Trigger = readers.find((r) => r.topic === definition.transitions[1]!.outputTopic)!.messages.length;
    const dead = readers.find((r) => r.topic.endsWith('-dlq'))!.messages.length;
    const p4 = status?.transitions.find((t) => t.name === 'phase4_to_phase5');
    if (phase4Trigger >= 5 && dead >= 1 && p4 && p4.completed.length >= 4) break;
    await sleep(1_000);
  }
  await sleep(2_000);

  step('What the orchestrator did');
  for (const t of status?.transitions ?? []) {
    const round = t.rounds.find((r) => r.state === 'triggered');
    if (round) {
      say(`  ✔ ${t.name}: TRIGGERED (${round.reason ?? 'rule met'}) with ${t.completed.length} processors: ${t.completed.join(', ')}`);
    } else if (t.completed.length > 0) {
      say(`  … ${t.name}: WAITING. It has ${t.completed.join(', ')}; still missing: ${t.missing.join(', ')}.`);
      say(`      The date is not forgotten: the workflow's own timers keep watching. With the default pipeline, Phase 4→5`);
      say(`      triggers with 4 of 5 after 1 hour (tier2_timeout) and sends an alert naming what is missing; a transition`);
      say(`      still not triggered when it is overdue raises an "overdue" alert, then escalates.`);
    } else {
      say(`  · ${t.name}: nothing reported yet (state ${t.state}).`);
    }
  }
  if (status) say(`  Duplicate deliveries recognised and dropped: ${status.duplicatesDropped}. The date is now at: ${status.currentPhase}.`);

  step('Trigger messages downstream services received');
  for (const reader of readers.filter((r) => !r.topic.endsWith('-dlq'))) {
    const mine = reader.messages.filter((m) => m.game_date === gameDate || m.target_date === gameDate);
    if (mine.length === 0) continue;
    say(`  ${reader.topic}: ${mine.length} message(s)`);
    for (const m of mine) {
      const fields = ['source_table', 'mode', 'trigger_reason', 'upstream_processors_count', 'triggered_by'].filter((f) => m[f] !== undefined).map((f) => `${f}=${JSON.stringify(m[f])}`);
      say(`    - ${fields.join(' ')}`);
    }
  }
  say('  The duplicate box-score message produced no second Phase 3 trigger: exactly one message above.');

  step('Dead letters');
  for (const m of readers.find((r) => r.topic.endsWith('-dlq'))!.messages) {
    const attributes = m._attributes as Record<string, string>;
    say(`  ${attributes.source_topic} message ${attributes.source_message_id} was set aside: ${attributes.dlq_reason}`);
  }

  step(`Alerts the local alert sink received (${sinkUrl})`);
  try {
    const alerts = (await (await fetch(sinkUrl)).json()) as ReceivedAlert[];
    const relevant = alerts.filter((a) => a.game_date === gameDate || a.dedup_key.startsWith('bridge:dead-letter'));
    if (relevant.length === 0) say('  none yet');
    for (const a of relevant.slice(-10)) say(`  ${a.severity.toUpperCase()}: ${a.title}\n      ${a.text}`);
  } catch {
    say(`  (the alert sink does not answer at ${sinkUrl}; alerts went to the worker's and bridge's configured channels)`);
  }

  step('See it yourself');
  say(`  Temporal Web UI for this date: ${endpoints.temporalUiUrl}/namespaces/${endpoints.temporalNamespace}/workflows/${encodeURIComponent(workflowId)}`);
  say(`  Every signal, timer and activity attempt of ${gameDate} is in that history. Firestore documents phase2_completion/${gameDate} …`);
  say(`  and BigQuery ${endpoints.bigqueryDataset}.phase_execution_log hold the same story for dashboards.`);

  await Promise.allSettled(readers.map(async (r) => r.subscription.delete()));
  await pubsub.close();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
