/**
 * Watchdog settings from the environment, validated at process start (a typo fails the start, it does not
 * silently disable a watchdog). Every variable is optional; the defaults suit the NBA pipeline.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | WATCHDOGS_ENABLED | 1 | 0 skips creating the watchdog schedules |
 * | WATCHDOG_PLANNER_EVERY | 1h | planner schedule interval |
 * | WATCHDOG_RECONCILE_EVERY | 2h | reconciliation schedule interval |
 * | WATCHDOG_RECONCILE_DRY_RUN | 0 | 1: reconciliation reports and alerts but writes nothing |
 * | WATCHDOG_STUCK_EVERY | 10m | stuck-workflow search interval |
 * | WATCHDOG_HEALTH_EVERY | 2m | health probe and external heartbeat interval |
 * | WATCHDOG_HEALTH_URLS | (none) | `name=url,…` endpoints to probe from outside, e.g. `bridge=http://127.0.0.1:8081/health` |
 * | WATCHDOG_HEARTBEAT_URL | (none) | external heartbeat (cron monitor) URL; a secret, read by the activity only |
 * | WATCHDOG_SILENT_TOPIC_MINUTES | 180 | bridge: a completion topic silent this long inside the window alerts |
 * | WATCHDOG_SILENT_TOPIC_OVERRIDES | (none) | bridge: `topic=minutes,…` per-topic thresholds |
 * | WATCHDOG_ACTIVE_WINDOW | 08:00-23:59 | bridge: local times (pipeline time zone) when silence matters |
 * | WATCHDOG_WORKER_POLL_SECONDS | 180 | bridge: alert when no worker polled the task queue for this long (≥ 75) |
 * | WATCHDOG_CHECK_SECONDS | 30 | bridge: how often the bridge-side watchers check |
 */
import { z } from 'zod';
import { parseEnvironment } from '../service/environment-schema';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`"${value}" is not a duration like 30s, 10m, 2h`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z.string().regex(DURATION, 'must be a duration like 30s, 10m, 2h, 1d');
const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const positiveInt = z.coerce.number().int().positive();
const localTime = /^([01]\d|2[0-3]):[0-5]\d$/;

const namedUrls = z
  .string()
  .transform((value, ctx) => {
    const entries: { name: string; url: string }[] = [];
    for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
      const at = part.indexOf('=');
      const name = part.slice(0, at).trim();
      const url = part.slice(at + 1).trim();
      if (at <= 0 || !/^[\w.-]+$/.test(name) || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: `entry ${entries.length + 1} must be name=http(s)://host/path` });
        return z.NEVER;
      }
      entries.push({ name, url });
    }
    return entries;
  });

const topicMinutes = z.string().transform((value, ctx) => {
  const out: Record<string, number> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [topic, minutes] = part.split('=');
    const n = Number(minutes);
    if (!topic || !Number.isFinite(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${part}" must be topic=minutes` });
      return z.NEVER;
    }
    out[topic.trim()] = n;
  }
  return out;
});

const window = z
  .string()
  .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must be HH:MM-HH:MM')
  .transform((v) => {
    const [start, end] = v.split('-') as [string, string];
    return { start, end };
  })
  .refine((w) => localTime.test(w.start) && localTime.test(w.end), 'times must be 00:00-23:59');

export const watchdogEnvSchema = z.object({
  WATCHDOGS_ENABLED: flag.default(true),
  WATCHDOG_PLANNER_EVERY: duration.default('1h'),
  WATCHDOG_RECONCILE_EVERY: duration.default('2h'),
  WATCHDOG_RECONCILE_DRY_RUN: flag.default(false),
  WATCHDOG_STUCK_EVERY: duration.default('10m'),
  WATCHDOG_HEALTH_EVERY: duration.default('2m'),
  WATCHDOG_HEALTH_URLS: namedUrls.default([]),
  WATCHDOG_SILENT_TOPIC_MINUTES: positiveInt.default(180),
  WATCHDOG_SILENT_TOPIC_OVERRIDES: topicMinutes.default({}),
  WATCHDOG_ACTIVE_WINDOW: window.default({ start: '08:00', end: '23:59' }),
  // Temporal long polls last up to 60 s, so an idle live worker's last poll can be that old.
  WATCHDOG_WORKER_POLL_SECONDS: positiveInt.min(75, 'must be at least 75: an idle worker long-polls for up to 60 s').default(180),
  WATCHDOG_CHECK_SECONDS: positiveInt.default(30),
  // Secrets: validated here so a typo fails the start, but read by the heartbeat activity only, never kept.
  WATCHDOG_HEARTBEAT_URL: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).optional(),
  WATCHDOG_HEARTBEAT_FAIL_URL: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).optional(),
});

export interface WatchdogConfig {
  enabled: boolean;
  plannerEvery: string;
  reconcileEvery: string;
  reconcileDryRun: boolean;
  stuckEvery: string;
  healthEvery: string;
  healthEndpoints: { name: string; url: string }[];
  silentTopicMinutes: number;
  silentTopicOverrides: Record<string, number>;
  activeWindow: { start: string; end: string };
  workerPollThresholdMs: number;
  checkIntervalMs: number;
}

export function loadWatchdogConfig(env: NodeJS.ProcessEnv = process.env): WatchdogConfig {
  const e = parseEnvironment(watchdogEnvSchema.shape, env);
  return {
    enabled: e.WATCHDOGS_ENABLED,
    plannerEvery: e.WATCHDOG_PLANNER_EVERY,
    reconcileEvery: e.WATCHDOG_RECONCILE_EVERY,
    reconcileDryRun: e.WATCHDOG_RECONCILE_DRY_RUN,
    stuckEvery: e.WATCHDOG_STUCK_EVERY,
    healthEvery: e.WATCHDOG_HEALTH_EVERY,
    healthEndpoints: e.WATCHDOG_HEALTH_URLS,
    silentTopicMinutes: e.WATCHDOG_SILENT_TOPIC_MINUTES,
    silentTopicOverrides: e.WATCHDOG_SILENT_TOPIC_OVERRIDES,
    activeWindow: e.WATCHDOG_ACTIVE_WINDOW,
    workerPollThresholdMs: e.WATCHDOG_WORKER_POLL_SECONDS * 1000,
    checkIntervalMs: e.WATCHDOG_CHECK_SECONDS * 1000,
  };
}
