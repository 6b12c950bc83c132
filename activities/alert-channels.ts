/**
 * Alert delivery (docs/contract.md §6): Slack incoming webhooks chosen by severity, a generic JSON webhook that
 * receives every alert, and, for local development only, stdout. Channel URLs are secrets: channels are
 * named (`slack:critical`, `slack:default`, `webhook`, `console`) and only names reach logs and errors.
 *
 * A service with no channel is a failure at start (`loadAlertConfig` throws), and an alert that no channel
 * took is a failure of the activity (retryable), so an alert is never dropped in silence.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { Alert, AlertDelivery, AlertSeverity } from './activity-contracts';
import { z } from 'zod';
import { parseEnvironment } from '../service/environment-schema';
import { RetryableActivityErrors } from './activity-error-types';

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'error', 'warning', 'info'];

export type AlertChannel =
  | { kind: 'slack'; name: string; url: string; severities: AlertSeverity[] }
  | { kind: 'webhook'; name: 'webhook'; url: string }
  | { kind: 'console'; name: 'console' };

export interface AlertConfig {
  channels: AlertChannel[];
}

export class AlertConfigError extends Error {
  override name = 'AlertConfigError';
}

const SLACK_DEFAULT_VAR = 'SLACK_WEBHOOK_URL';
const WEBHOOK_VAR = 'ALERT_WEBHOOK_URL';
const CONSOLE_VAR = 'ALERTS_TO_CONSOLE';

function slackVar(severity: AlertSeverity): string {
  return `${SLACK_DEFAULT_VAR}_${severity.toUpperCase()}`;
}

const webhookUrl = (what: string) => z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).optional().describe(what);

/** The alert channels' variables; every one is optional, but together they must route critical alerts. */
export const alertEnvShape = {
  [SLACK_DEFAULT_VAR]: webhookUrl('Slack incoming webhook for every severity without its own'),
  ...Object.fromEntries(ALERT_SEVERITIES.map((severity) => [slackVar(severity), webhookUrl(`Slack incoming webhook for ${severity} alerts`)])),
  [WEBHOOK_VAR]: webhookUrl('generic JSON webhook that receives every alert'),
  [CONSOLE_VAR]: z.enum(['0', '1']).optional().describe('1 prints alerts to stdout (local development only)'),
} as Record<string, z.ZodOptional<z.ZodType<string>>>;

/**
 * The channels the environment configures, without the checks `loadAlertConfig` adds (the operator's
 * `alert test` reports an incomplete set too). Throws AlertConfigError when a URL variable holds no http(s) URL.
 */
export function configuredAlertChannels(env: NodeJS.ProcessEnv = process.env): AlertChannel[] {
  let vars: Record<string, string | undefined>;
  try {
    vars = parseEnvironment(alertEnvShape, env);
  } catch (error) {
    throw new AlertConfigError(error instanceof Error ? error.message : String(error));
  }
  const channels: AlertChannel[] = [];
  const slackDefault = vars[SLACK_DEFAULT_VAR];
  const defaultSeverities: AlertSeverity[] = [];
  for (const severity of ALERT_SEVERITIES) {
    const url = vars[slackVar(severity)];
    if (url) channels.push({ kind: 'slack', name: `slack:${severity}`, url, severities: [severity] });
    else if (slackDefault) defaultSeverities.push(severity);
  }
  if (slackDefault && defaultSeverities.length > 0) {
    channels.push({ kind: 'slack', name: 'slack:default', url: slackDefault, severities: defaultSeverities });
  }
  const webhook = vars[WEBHOOK_VAR];
  if (webhook) channels.push({ kind: 'webhook', name: 'webhook', url: webhook });
  if (vars[CONSOLE_VAR] === '1') channels.push({ kind: 'console', name: 'console' });
  return channels;
}

export const ALERT_CHANNELS_HELP =
  `Set ${SLACK_DEFAULT_VAR} (or ${ALERT_SEVERITIES.map(slackVar).join(', ')}) and/or ${WEBHOOK_VAR}; ` +
  `for local development only, ${CONSOLE_VAR}=1 prints alerts to stdout.`;

/**
 * Reads the channels from the environment. Throws AlertConfigError when a URL variable holds no http(s) URL,
 * or when no channel would receive critical alerts.
 */
export function loadAlertConfig(env: NodeJS.ProcessEnv = process.env): AlertConfig {
  const channels = configuredAlertChannels(env);
  if (channels.length === 0) throw new AlertConfigError(`No alert channel is configured, so failures would go unnoticed. ${ALERT_CHANNELS_HELP}`);
  if (routesFor({ channels }, 'critical').length === 0) throw new AlertConfigError(`No alert channel receives critical alerts. ${ALERT_CHANNELS_HELP}`);
  return { channels };
}

export function routesFor(config: AlertConfig, severity: AlertSeverity): AlertChannel[] {
  return config.channels.filter((channel) => channel.kind !== 'slack' || channel.severities.includes(severity));
}

/** Last delivery outcome, per process; the health endpoint reads it. */
export interface AlertPathStatus {
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastOutcome: 'none' | 'delivered' | 'partial' | 'failed';
  /** Channel names and their errors from the last alert that was not fully delivered. */
  lastError: string | null;
  channels: Record<string, { ok: boolean; at: string; error?: string }>;
}

export function createAlertPathStatus(): AlertPathStatus {
  return { lastAttemptAt: null, lastSuccessAt: null, lastFailureAt: null, lastOutcome: 'none', lastError: null, channels: {} };
}

/** Health view of the alert path: broken only when the last alert reached no channel at all. */
export function alertPathHealth(status: AlertPathStatus): { healthy: boolean; error: string | null } {
  return status.lastOutcome === 'failed' ? { healthy: false, error: status.lastError } : { healthy: true, error: null };
}

export interface AlertSenderDeps {
  fetch?: typeof globalThis.fetch;
  status?: AlertPathStatus;
  /** Where the console channel prints; stdout by default. */
  print?: (line: string) => void;
  attemptTimeoutMs?: number;
  /** Delays between a channel's attempts; its length + 1 is the number of attempts. */
  retryDelaysMs?: number[];
  /** Where a partial delivery is reported; the activity logger by default (outside activities, e.g. the bridge, pass one). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

export function createAlertSender(config: AlertConfig, deps: AlertSenderDeps = {}): (alert: Alert) => Promise<AlertDelivery> {
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const status = deps.status ?? createAlertPathStatus();
  const print = deps.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const attemptTimeoutMs = deps.attemptTimeoutMs ?? 5_000;
  const retryDelaysMs = deps.retryDelaysMs ?? [250, 1_000];
  const warn = deps.warn ?? ((message: string, fields: Record<string, unknown>): void => {
    log.warn(message, fields);
  });

  async function post(url: string, payload: unknown): Promise<void> {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(attemptTimeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new ChannelError(`HTTP ${response.status}`, response.status === 429 || response.status >= 500);
  }

  async function deliverOnce(channel: AlertChannel, alert: Alert): Promise<void> {
    switch (channel.kind) {
      case 'console':
        print(consoleLine(alert));
        return;
      case 'slack':
        return post(channel.url, slackPayload(alert));
      case 'webhook':
        return post(channel.url, webhookPayload(alert));
    }
  }

  /** A couple of quick attempts per channel; an answer that retrying cannot change stops early. */
  async function deliver(channel: AlertChannel, alert: Alert): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await deliverOnce(channel, alert);
        return;
      } catch (err) {
        const failure = err instanceof ChannelError ? err : new ChannelError(networkErrorCode(err), true);
        const delay = retryDelaysMs[attempt];
        if (!failure.retryable || delay === undefined) throw failure;
        await sleep(delay);
      }
    }
  }

  return async function sendAlert(alert: Alert): Promise<AlertDelivery> {
    const channels = routesFor(config, alert.severity);
    const about = `alert "${alert.title}" (${alert.severity}, ${alert.dedupKey}${alert.gameDate ? `, ${alert.gameDate}` : ''}${alert.transition ? `, ${alert.transition}` : ''})`;
    const results = await Promise.allSettled(channels.map((channel) => deliver(channel, alert)));
    const delivery: AlertDelivery = { delivered: [], failed: [] };
    const now = new Date().toISOString();
    results.forEach((result, i) => {
      const name = channels[i]!.name;
      if (result.status === 'fulfilled') {
        delivery.delivered.push(name);
        status.channels[name] = { ok: true, at: now };
      } else {
        const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
        delivery.failed.push({ channel: name, error });
        status.channels[name] = { ok: false, at: now, error };
      }
    });
    const failedText = delivery.failed.map((f) => `${f.channel} (${f.error})`).join(', ');
    status.lastAttemptAt = now;
    if (delivery.delivered.length > 0) {
      status.lastSuccessAt = now;
      status.lastOutcome = delivery.failed.length > 0 ? 'partial' : 'delivered';
      status.lastError = delivery.failed.length > 0 ? failedText : null;
      if (delivery.failed.length > 0) warn('Alert delivered on some channels only', { dedupKey: alert.dedupKey, ...delivery });
      return delivery;
    }
    status.lastFailureAt = now;
    status.lastOutcome = 'failed';
    status.lastError = channels.length === 0 ? `no channel routes ${alert.severity} alerts` : failedText;
    throw ApplicationFailure.retryable(
      channels.length === 0
        ? `No alert channel routes ${alert.severity} alerts, so the ${about} went nowhere. Configure one (see loadAlertConfig).`
        : `Every alert channel failed for the ${about}: ${failedText}. Will retry.`,
      RetryableActivityErrors.alertDeliveryFailed,
    );
  };
}

class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

function networkErrorCode(err: unknown): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}

export function slackPayload(alert: Alert): { text: string } {
  const context = [
    alert.gameDate && `game_date: ${alert.gameDate}`,
    alert.transition && `transition: ${alert.transition}`,
    alert.correlationId && `correlation_id: ${alert.correlationId}`,
    `dedup_key: ${alert.dedupKey}`,
    alert.reportedBy && `reported_by: ${alert.reportedBy}`,
  ].filter(Boolean);
  return { text: `*[${alert.severity.toUpperCase()}] ${alert.title}*\n${alert.text}\n_${context.join(' | ')}_` };
}

/** What the generic JSON webhook (`ALERT_WEBHOOK_URL`) receives for every alert (docs/contract.md §6). */
export interface WebhookAlertPayload {
  severity: string;
  title: string;
  text: string;
  game_date: string | null;
  transition: string | null;
  dedup_key: string;
  correlation_id: string | null;
  timestamp: string;
  /** The replica that raised it (bridge alerts), else null; not part of the dedup key. */
  reported_by: string | null;
}

export function webhookPayload(alert: Alert): WebhookAlertPayload {
  return {
    severity: alert.severity,
    title: alert.title,
    text: alert.text,
    game_date: alert.gameDate ?? null,
    transition: alert.transition ?? null,
    dedup_key: alert.dedupKey,
    correlation_id: alert.correlationId ?? null,
    timestamp: alert.timestamp,
    reported_by: alert.reportedBy ?? null,
  };
}

function consoleLine(alert: Alert): string {
  return `[ALERT ${alert.severity.toUpperCase()}] ${alert.title} — ${alert.text} ${JSON.stringify(webhookPayload(alert))}`;
}
