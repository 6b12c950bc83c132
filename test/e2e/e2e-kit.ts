/**
 * End-to-end test kit: the worker and the bridge run as real child processes (tsx) against the run's stack;
 * each test gets its own task queue, bridge subscriptions, trigger readers and game dates, so tests never
 * see each other's messages. Alerts go to an in-process alert sink.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { startAlertSink, type AlertSink } from '../../local-stack/alert-sink';
import { deadLetterTopicName, pipelineTopics } from '../../contract/pipeline-topics';
import { SERVICE_SCRIPTS, spawnService, type ServiceProcess } from '../../local-stack/service-process';
import { endpointsToEnv, type StackEndpoints } from '../../local-stack/stack-endpoints';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { testStack } from '../harness';

export const PHASE2_TOPIC = 'nba-phase2-raw-complete';
export const PHASE3_TOPIC = 'nba-phase3-analytics-complete';
export const PHASE4_TOPIC = 'nba-phase4-precompute-complete';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const drawnPastDates = new Set<string>();

/**
 * A past date nobody else uses in this run (past: Phase 3 runs in overnight mode). Test files share the stack's
 * dev server and the pipeline `nba`: a date drawn twice signalled the earlier file's workflow, still open on a
 * task queue nobody polls any more, and its completions never applied. So no date is drawn twice in a run (one
 * mocha process, one dev server).
 */
export function uniquePastDate(): string {
  let date: string;
  do date = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 9_000) * 86_400_000).toISOString().slice(0, 10);
  while (drawnPastDates.has(date));
  drawnPastDates.add(date);
  return date;
}

export interface ReceivedMessage {
  id: string;
  data: Record<string, unknown>;
  raw: string;
  attributes: Record<string, string>;
}

export interface Reader {
  topic: string;
  messages: ReceivedMessage[];
  forDate(gameDate: string): ReceivedMessage[];
}

export interface E2eWorld {
  id: string;
  endpoints: StackEndpoints;
  pubsub: PubSub;
  sink: AlertSink;
  taskQueue: string;
  subscriptionTemplate: string;
  readers: Map<string, Reader>;
  reader(topic: string): Reader;
  serviceEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  startWorker(extra?: NodeJS.ProcessEnv): Promise<E2eService>;
  startBridge(extra?: NodeJS.ProcessEnv): Promise<E2eService>;
  publish(topic: string, body: Record<string, unknown> | string): Promise<string>;
  close(): Promise<void>;
}

export interface E2eService {
  process: ServiceProcess;
  healthPort: number;
  metrics(): Promise<string>;
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** Sets up subscriptions, readers and an alert sink; services are started by the test. */
export async function createWorld(options: { endpoints?: StackEndpoints; definitionPath?: string } = {}): Promise<E2eWorld> {
  const endpoints = options.endpoints ?? testStack();
  const id = randomUUID().slice(0, 8);
  const pubsub = new PubSub({ projectId: endpoints.projectId, apiEndpoint: endpoints.pubsubEmulatorHost, emulatorMode: true });
  const sink = await startAlertSink({ port: 0 });
  const topics = pipelineTopics(options.definitionPath ? loadPipelineDefinition(options.definitionPath) : undefined);
  const subscriptionTemplate = `{topic}-e2e-${id}`;
  const subscriptions: Subscription[] = [];
  const readers = new Map<string, Reader>();
  const services: ServiceProcess[] = [];

  // The bridge reads each completion topic and watches its dead-letter topic, both through the template.
  const bridgeTopics = [...topics.completionTopics, ...topics.completionTopics.map(deadLetterTopicName)];
  await Promise.all(bridgeTopics.map((topic) => pubsub.topic(topic).createSubscription(subscriptionTemplate.replace('{topic}', topic), { ackDeadlineSeconds: 10 })));
  const readTopics = [...topics.triggerTopics, ...topics.completionTopics.map(deadLetterTopicName)];
  await Promise.all(
    readTopics.map(async (topic) => {
      const [subscription] = await pubsub.topic(topic).createSubscription(`${topic}-reader-${id}`, { ackDeadlineSeconds: 10 });
      const messages: ReceivedMessage[] = [];
      subscription.on('message', (message: Message) => {
        message.ack();
        const raw = message.data.toString('utf8');
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // Dead letters may be anything; `raw` keeps them.
        }
        messages.push({ id: message.id, data, raw, attributes: message.attributes });
      });
      subscriptions.push(subscription);
      readers.set(topic, { topic, messages, forDate: (d) => messages.filter((m) => m.data.game_date === d || m.data.target_date === d) });
    }),
  );

  const world: E2eWorld = {
    id,
    endpoints,
    pubsub,
    sink,
    taskQueue: `e2e-${id}`,
    subscriptionTemplate,
    readers,
    reader: (topic) => {
      const reader = readers.get(topic);
      if (!reader) throw new Error(`no reader for ${topic}`);
      return reader;
    },
    serviceEnv: (extra = {}) => ({
      ...process.env,
      ...endpointsToEnv(endpoints),
      TEMPORAL_TASK_QUEUE: world.taskQueue,
      BRIDGE_SUBSCRIPTION_TEMPLATE: subscriptionTemplate,
      // The tests' dates are decades old: counted as live, their writes are gathered for 2 s, not a backfill's 30 s.
      BRIDGE_BACKLOG_AGE_DAYS: '100000',
      BRIDGE_ACK_DEADLINE_SECONDS: '10',
      BRIDGE_SIGNAL_TIMEOUT_SECONDS: '3',
      BRIDGE_TEMPORAL_CHECK_SECONDS: '1',
      BRIDGE_TEMPORAL_ALERT_AFTER_SECONDS: '3',
      BRIDGE_SHUTDOWN_GRACE_SECONDS: '10',
      HEALTH_CACHE_SECONDS: '0',
      ALERT_WEBHOOK_URL: sink.url,
      LOG_LEVEL: 'WARN',
      // Every worker of the run would otherwise aim the shared nba-watchdog-* schedules at its own task queue, and
      // the planner would start the seeded schedule's dates (pipeline nba) there: a test that needs them says so.
      WATCHDOGS_ENABLED: '0',
      ...(options.definitionPath ? { PIPELINE_DEFINITION: options.definitionPath } : {}),
      ...extra,
    }),
    startWorker: async (extra = {}) => {
      const healthPort = await freePort();
      const service = spawnService('worker', SERVICE_SCRIPTS.worker, world.serviceEnv({ WORKER_HEALTH_PORT: String(healthPort), WORKER_TEMPORAL_METRICS_PORT: String(await freePort()), ...extra }), echo('worker'));
      services.push(service);
      await service.waitForLine(/\bready:/, 90_000);
      return serviceHandle(service, healthPort);
    },
    startBridge: async (extra = {}) => {
      const healthPort = await freePort();
      const service = spawnService('bridge', SERVICE_SCRIPTS.bridge, world.serviceEnv({ BRIDGE_HEALTH_PORT: String(healthPort), ...extra }), echo('bridge'));
      services.push(service);
      await service.waitForLine(/\bready:/, 60_000);
      return serviceHandle(service, healthPort);
    },
    publish: (topic, body) => pubsub.topic(topic).publishMessage({ data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }),
    close: async () => {
      await Promise.allSettled(services.map((s) => s.stop(15_000)));
      await Promise.allSettled(subscriptions.map((s) => s.close()));
      await Promise.allSettled([
        ...subscriptions.map((s) => s.delete()),
        ...bridgeTopics.map((topic) => pubsub.subscription(subscriptionTemplate.replace('{topic}', topic)).delete()),
      ]);
      await pubsub.close();
      await sink.close();
    },
  };
  return world;
}

/** E2E_VERBOSE=1 shows the services' output. */
function echo(name: string): (line: string) => void {
  return process.env.E2E_VERBOSE ? (line) => console.log(`      ${name} | ${line}`) : () => undefined;
}

export function serviceHandle(process: ServiceProcess, healthPort: number): E2eService {
  return {
    process,
    healthPort,
    metrics: async () => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(),
    health: async () => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/health`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

/** Sum of a Prometheus counter over all label sets matching `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

let sequence = 0;

/** A realistic completion body (docs/contract.md §2). */
export function completionBody(phase: string, processorName: string, gameDate: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    processor_name: processorName,
    phase,
    execution_id: `exec-${processorName}-${gameDate}-${sequence}`,
    correlation_id: `corr-${gameDate}`,
    game_date: gameDate,
    output_dataset: 'nba_raw',
    status: 'success',
    record_count: 100 + sequence,
    timestamp: new Date().toISOString(),
    metadata: {},
    ...extra,
  };
}

export const PHASE2_CLASSES = ['BigDataBallPbpProcessor', 'OddsApiGameLinesBatchProcessor', 'OddsApiPropsProcessor', 'NbacGamebookProcessor', 'NbacPlayerBoxscoreProcessor'];
export const PHASE3_CLASSES = ['PlayerGameSummaryProcessor', 'TeamDefenseGameSummaryProcessor', 'TeamOffenseGameSummaryProcessor', 'UpcomingPlayerGameContextProcessor', 'UpcomingTeamGameContextProcessor'];
export const PHASE3_TABLES = ['player_game_summary', 'team_defense_game_summary', 'team_offense_game_summary', 'upcoming_player_game_context', 'upcoming_team_game_context'];
