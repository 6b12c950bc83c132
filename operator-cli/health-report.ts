/** One row per process from its `/health` answer (service/health-server.ts's body): what `operator health` prints. */
import type { HealthBody } from '../service/health-server';
import type { NamedUrl } from './health-endpoints';

export interface HealthRow {
  name: string;
  url: string;
  /** `healthy` and `degraded` come from the body; `down` is no usable answer at all. */
  status: 'healthy' | 'degraded' | 'down';
  httpStatus: number | null;
  service: string | null;
  build: string | null;
  uptimeSeconds: number | null;
  /** Unhealthy dependencies, or why there was no answer. */
  details: string;
}

export function healthRow(endpoint: NamedUrl, httpStatus: number | null, body: string | null, error?: string): HealthRow {
  const base = { ...endpoint, httpStatus, service: null, build: null, uptimeSeconds: null };
  if (error !== undefined || body === null) return { ...base, status: 'down', details: error ?? 'no answer' };
  let parsed: Partial<HealthBody>;
  try {
    parsed = JSON.parse(body) as Partial<HealthBody>;
  } catch {
    return { ...base, status: 'down', details: `HTTP ${httpStatus ?? '?'}, not a health body: ${body.slice(0, 80)}` };
  }
  const unhealthy = Object.entries(parsed.dependencies ?? {})
    .filter(([, d]) => !d.healthy)
    .map(([name, d]) => `${name}: ${d.error ?? 'unhealthy'}`);
  const healthy = httpStatus !== null && httpStatus >= 200 && httpStatus < 300 && parsed.status === 'healthy';
  return {
    ...base,
    status: healthy ? 'healthy' : 'degraded',
    service: parsed.service ?? null,
    build: parsed.version ?? null,
    uptimeSeconds: typeof parsed.uptime_seconds === 'number' ? parsed.uptime_seconds : null,
    details: unhealthy.length ? unhealthy.join('; ') : `${Object.keys(parsed.dependencies ?? {}).length} dependencies ok`,
  };
}

export async function probeHealth(endpoint: NamedUrl, timeoutMs = 5_000): Promise<HealthRow> {
  try {
    const response = await fetch(endpoint.url, { signal: AbortSignal.timeout(timeoutMs) });
    return healthRow(endpoint, response.status, await response.text());
  } catch (error) {
    // fetch says only "fetch failed"; the cause names the network error (ECONNREFUSED, bad port …).
    const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error instanceof Error
              ? error.message
              : String(error);
    return healthRow(endpoint, null, null, reason);
  }
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(seconds % 60)}s`;
}
