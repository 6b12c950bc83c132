/** The bridge's configuration, validated at start. */
import { z } from 'zod';
import { loadAlertConfig, type AlertConfig } from '../activities/alert-channels';
import { DEFAULT_BACKLOG_AGE_DAYS } from '../contract/date-priority';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { bindHostShape, googleEnvShape, logLevelShape, parseServiceEnv } from '../service/service-environment';
import { portVar, temporalEnvShape, tracingEnvShape } from '../service/environment-schema';
import { configStep } from '../service/startup';

export const DEFAULT_SUBSCRIPTION_TEMPLATE = '{topic}-orchestrator';

export const bridgeEnvShape = {
  ...temporalEnvShape,
  ...bindHostShape,
  ...logLevelShape,
  ...tracingEnvShape,
  GOOGLE_CLOUD_PROJECT: googleEnvShape.GOOGLE_CLOUD_PROJECT,
  BRIDGE_HEALTH_PORT: portVar(8092, 'port of the bridge /health and /metrics server on 127.0.0.1'),
  BRIDGE_SUBSCRIPTION_TEMPLATE: z
    .string()
    .includes('{topic}', { message: 'must contain {topic}' })
    .default(DEFAULT_SUBSCRIPTION_TEMPLATE)
    .describe('subscription name per completion topic; {topic} is replaced by the topic name'),
  BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE: z
    .string()
    .includes('{topic}', { message: 'must contain {topic}' })
    .includes('{replica}', { message: 'must contain {replica}: each replica needs its own' })
    .default('{topic}-silence-{replica}')
    .describe("this replica's own subscription per completion topic, which the silent-topic watcher reads; {replica} is the host name plus a random suffix"),
  BRIDGE_BACKLOG_AGE_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_BACKLOG_AGE_DAYS)
    .describe("a date this many days or more before today (pipeline time zone) starts at the backlog's lower task priority, so live dates' tasks run first"),
  BRIDGE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(100).describe('flow control: messages held at once per subscription'),
  BRIDGE_MAX_SIGNAL_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .describe("at most this many messages of one date in one signal: those that arrived while the date's previous signal was in flight; 1 signals each message on its own"),
  BRIDGE_MAX_SIGNALS_IN_FLIGHT: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe("signalWithStart calls in flight at once, over all subscriptions; a date waiting for one gathers its messages into its next signal, and live dates get the next free one before a backfill's"),
  BRIDGE_STREAMS_PER_SUBSCRIPTION: z.coerce
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('streaming pull streams per subscription (the client library default of 5 costs memory without faster ingest)'),
  BRIDGE_ACK_DEADLINE_SECONDS: z.coerce.number().int().min(10).max(600).default(60).describe('lease per message while it is being signalled'),
  BRIDGE_SIGNAL_TIMEOUT_SECONDS: z.coerce.number().positive().default(10).describe('how long one signalWithStart may take before the message is nacked'),
  BRIDGE_MAX_HOLD_MINUTES: z.coerce.number().positive().max(55).default(45).describe('how long a message is held and retried while Temporal does not answer before it is nacked'),
  BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(300)
    .describe('dead letters of the same topic and reason within this window after the first (alerted at once) are summarised in one alert; 0 alerts each'),
  BRIDGE_SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(30).describe('how long shutdown waits for in-flight messages'),
  BRIDGE_TEMPORAL_CHECK_SECONDS: z.coerce.number().positive().default(10).describe('interval of the Temporal reachability check'),
  BRIDGE_TEMPORAL_ALERT_AFTER_SECONDS: z.coerce.number().min(0).max(600).default(30).describe('Temporal unreachable this long before the critical alert'),
  HEALTH_CACHE_SECONDS: z.coerce.number().min(0).default(30).describe('how long /health answers are cached'),
  PIPELINE_DEFINITION: z.string().optional().describe('path of the pipeline definition file'),
};

export type BridgeEnv = ReturnType<typeof parseBridgeEnv>;

function parseBridgeEnv(env: NodeJS.ProcessEnv) {
  return parseServiceEnv('bridge', bridgeEnvShape, env);
}

export interface BridgeConfig {
  env: BridgeEnv;
  alertConfig: AlertConfig;
  definition: PipelineDefinition;
}

export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const parsed = parseBridgeEnv(env);
  return configStep('bridge', () => ({ env: parsed, alertConfig: loadAlertConfig(env), definition: loadPipelineDefinition(parsed.PIPELINE_DEFINITION) }));
}

export function subscriptionNameFor(template: string, topic: string, replica?: string): string {
  const name = template.replaceAll('{topic}', topic);
  return replica === undefined ? name : name.replaceAll('{replica}', replica);
}

/** This process's name among the bridge replicas: the host (the pod) plus a random suffix, in Pub/Sub's name alphabet. */
export function replicaId(hostname: string, suffix: string): string {
  return `${hostname.replace(/[^A-Za-z0-9._~+-]/g, '-').slice(0, 80)}-${suffix}`;
}
