/**
 * Probes other processes' `/health` from outside them, and pings the optional external heartbeat URL
 * (`WATCHDOG_HEARTBEAT_URL`, e.g. a healthchecks.io or Cronitor check). URLs are read from the environment
 * here and never enter workflow history or logs; results name endpoints only.
 *
 * The heartbeat also vouches for the alert path: while the last alert reached no channel, a check alert is
 * sent first, and when that fails too the heartbeat is withheld (or `WATCHDOG_HEARTBEAT_FAIL_URL` is pinged),
 * so the outside monitor reports the system down instead of hearing "all well" from a system that cannot
 * tell anyone anything.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Alert } from '../activities/activity-contracts';
import { alertPathHealth, type AlertPathStatus } from '../activities/alert-channels';
import type { HealthProbeResult, HeartbeatResult } from '../workflows/watchdogs/watchdog-contracts';

export const HEARTBEAT_URL_VAR = 'WATCHDOG_HEARTBEAT_URL';
export const HEARTBEAT_FAIL_URL_VAR = 'WATCHDOG_HEARTBEAT_FAIL_URL';

/** The worker's alert path: its last outcome, and the sender to prove it works again. */
export interface AlertPath {
  status: AlertPathStatus;
  sendAlert: (alert: Alert) => Promise<unknown>;
}

export interface HealthProbeDeps {
  endpoints: { name: string; url: string }[];
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  alertPath?: AlertPath;
}

export function createHealthProbes(deps: HealthProbeDeps): { probeHealthEndpoints: () => Promise<HealthProbeResult[]>; pingHeartbeat: () => Promise<HeartbeatResult> } {
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 5_000;
  // Previous verdict per endpoint in this process: a change is alerted once, not on every probe.
  const previous = new Map<string, boolean>();

  return {
    async probeHealthEndpoints(): Promise<HealthProbeResult[]> {
      return Promise.all(
        deps.endpoints.map(async ({ name, url }) => {
          let httpStatus: number | null = null;
          let error: string | null = null;
          try {
            const response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
            httpStatus = response.status;
            const body = await response.text();
            if (!response.ok) error = summarise(body);
          } catch (err) {
            error = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : networkError(err);
          }
          const healthy = error === null;
          const changed = (previous.get(name) ?? true) !== healthy;
          previous.set(name, healthy);
          return { name, healthy, httpStatus, error, changed };
        }),
      );
    },

    async pingHeartbeat(): Promise<HeartbeatResult> {
      const env = deps.env ?? process.env;
      const url = env[HEARTBEAT_URL_VAR]?.trim();
      if (!url) return { pinged: false, httpStatus: null };
      const alertsDown = await alertPathDown(deps.alertPath);
      if (alertsDown !== null) {
        const failUrl = env[HEARTBEAT_FAIL_URL_VAR]?.trim();
        const httpStatus = failUrl ? await ping(failUrl, HEARTBEAT_FAIL_URL_VAR) : null;
        return { pinged: false, httpStatus, withheld: `alerts cannot be delivered (${alertsDown})` };
      }
      return { pinged: true, httpStatus: await ping(url, HEARTBEAT_URL_VAR) };
    },
  };

  async function ping(url: string, variable: string): Promise<number> {
    let response: Response;
    try {
      response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw ApplicationFailure.retryable(`The heartbeat URL (${variable}) did not answer: ${networkError(err)}`, 'HeartbeatFailed');
    }
    await response.body?.cancel();
    if (!response.ok) throw ApplicationFailure.retryable(`The heartbeat URL (${variable}) answered HTTP ${response.status}`, 'HeartbeatFailed');
    return response.status;
  }
}

/** Null while alerts are delivered; after an alert that reached no channel, null only once a check alert gets through. */
async function alertPathDown(alertPath: AlertPath | undefined): Promise<string | null> {
  if (!alertPath) return null;
  const health = alertPathHealth(alertPath.status);
  if (health.healthy) return null;
  try {
    await alertPath.sendAlert({
      severity: 'info',
      title: 'Alerts are delivered again',
      text: 'An earlier alert reached no channel; this check alert did, so the external heartbeat is pinged again. Look for what was alerted while the channels were down in the logs and the Temporal Web UI.',
      dedupKey: 'heartbeat:alert-path-check',
      timestamp: new Date().toISOString(),
    });
    return null;
  } catch (err) {
    return health.error ?? (err instanceof Error ? err.message : String(err));
  }
}

/** A /health body's status and unhealthy dependencies, not the whole body. */
function summarise(body: string): string {
  try {
    const parsed = JSON.parse(body) as { status?: string; dependencies?: Record<string, { healthy?: boolean; error?: string | null }> };
    const bad = Object.entries(parsed.dependencies ?? {})
      .filter(([, d]) => d.healthy === false)
      .map(([n, d]) => `${n}: ${d.error ?? 'unhealthy'}`);
    return `${parsed.status ?? 'unhealthy'}${bad.length ? ` (${bad.join('; ')})` : ''}`;
  } catch {
    return body.slice(0, 200) || 'unhealthy';
  }
}

function networkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.message : String(err);
}
