/**
 * The watchdogs' own health (issue 7 §6): the last outcome of each watchdog seen by this process, and their
 * schedules, which must exist and not be paused. The worker adds `watchdogHealthProbe` to its `/health`, and
 * the stuck-workflow watchdog alerts on `scheduleProblems`.
 */
import type { Client } from '@temporalio/client';
import type { HealthProbe } from '../service/health-server';
import type { ScheduleProblem, WatchdogName, WatchdogOutcome } from '../workflows/watchdogs/watchdog-contracts';

export type WatchdogStatus = Partial<Record<WatchdogName, { lastSuccessAt: number | null; lastFailureAt: number | null; lastError: string | null }>>;

export function createWatchdogStatus(): WatchdogStatus {
  return {};
}

export function recordOutcome(status: WatchdogStatus, outcome: WatchdogOutcome): void {
  const entry = (status[outcome.watchdog] ??= { lastSuccessAt: null, lastFailureAt: null, lastError: null });
  if (outcome.ok) entry.lastSuccessAt = outcome.at;
  else {
    entry.lastFailureAt = outcome.at;
    entry.lastError = outcome.error;
  }
}

/** Watchdogs whose latest run in this process failed. */
export function failingWatchdogs(status: WatchdogStatus): string[] {
  return Object.entries(status)
    .filter(([, e]) => e && e.lastFailureAt !== null && (e.lastSuccessAt === null || e.lastFailureAt > e.lastSuccessAt))
    .map(([name, e]) => `${name}: ${e?.lastError ?? 'failed'}`);
}

export async function scheduleProblems(client: Client, scheduleIds: string[]): Promise<ScheduleProblem[]> {
  const problems: ScheduleProblem[] = [];
  for (const scheduleId of scheduleIds) {
    try {
      const description = await client.schedule.getHandle(scheduleId).describe();
      if (description.state.paused) problems.push({ scheduleId, problem: `paused${description.state.note ? ` (${description.state.note})` : ''}` });
    } catch (error) {
      problems.push({ scheduleId, problem: `cannot be described: ${(error as Error).message}` });
    }
  }
  return problems;
}

export function watchdogHealthProbe(client: Client, scheduleIds: string[], status: WatchdogStatus): HealthProbe {
  return async () => {
    const problems = [...(await scheduleProblems(client, scheduleIds)).map((p) => `schedule ${p.scheduleId} ${p.problem}`), ...failingWatchdogs(status)];
    return problems.length ? { healthy: false, error: problems.join('; ') } : { healthy: true, error: null };
  };
}
