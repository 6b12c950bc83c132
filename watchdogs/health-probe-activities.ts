/**
 * Probes other processes' `/health` from outside them, and pings the optional external heartbeat URL
 * (`WATCHDOG_HEARTBEAT_URL`, e.g. a healthchecks.io or Cronitor check). URLs are read from the environment
 * here and never enter workflow history or logs; results name endpoints only.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { HealthProbeResult, HeartbeatResult } from '../workflows/watchdogs/watchdog-contracts';

export const HEARTBEAT_URL_VAR = 'WATCHDOG_HEARTBEAT_URL';

export interface HealthProbeDeps {
  endpoints: { name: string; url: string }[];
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
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
      const url = (deps.env ?? process.env)[HEARTBEAT_URL_VAR]?.trim();
      if (!url) return { pinged: false, httpStatus: null };
      let response: Response;
      try {
        response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw ApplicationFailure.retryable(`The heartbeat URL (${HEARTBEAT_URL_VAR}) did not answer: ${networkError(err)}`, 'HeartbeatFailed');
      }
      await response.body?.cancel();
      if (!response.ok) throw ApplicationFailure.retryable(`The heartbeat URL (${HEARTBEAT_URL_VAR}) answered HTTP ${response.status}`, 'HeartbeatFailed');
      return { pinged: true, httpStatus: response.status };
    },
  };
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
