/**
 * A date as the operator sees it, running or closed: the latest run of its workflow and its status. A running
 * date answers the status query; a closed one is read from its final state (a completed run's result, or the
 * state query replayed for a failed or terminated run, as the next run would restore it).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { addDays } from '../watchdogs/planning';
import { gameDateStateQuery } from '../workflows/game-date/internal-messages';
import { gameDateWorkflowId, searchAttributes, statusQuery } from '../workflows/game-date/messages';
import type { GameDateState } from '../workflows/game-date/state';
import { dateStatus, type GameDateStatus } from '../workflows/game-date/status';

/** Temporal's own attribute: the workflow task keeps failing or timing out (server 1.28+). */
export const temporalReportedProblems = defineSearchAttributeKey('TemporalReportedProblems', SearchAttributeType.KEYWORD_LIST);

export interface DateRun {
  gameDate: string;
  workflowId: string;
  /** `none`: no workflow for this date (nothing received or planned). */
  execution: 'running' | 'closed' | 'none';
  runId: string | null;
  /** Temporal's status of the latest run: RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, … */
  runStatus: string | null;
  closedAt: string | null;
  problems: string[];
  status: GameDateStatus | null;
  /** Why the status could not be read (a failed run replays only where a worker runs). */
  unreadable: string | null;
}

type RunInfo = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'closeTime' | 'typedSearchAttributes'>;

/** The final state of a closed run. */
export async function closedRunState(client: Client, workflowId: string, run: { runId: string; status: string }): Promise<GameDateState> {
  const handle = client.workflow.getHandle(workflowId, run.runId);
  if (run.status === 'COMPLETED') return (await handle.result()) as GameDateState;
  return handle.query(gameDateStateQuery);
}

async function dateRunOf(client: Client, definition: PipelineDefinition, gameDate: string, info: RunInfo | undefined): Promise<DateRun> {
  const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
  if (!info) return { gameDate, workflowId, execution: 'none', runId: null, runStatus: null, closedAt: null, problems: [], status: null, unreadable: null };
  const running = info.status.name === 'RUNNING';
  const base: DateRun = {
    gameDate,
    workflowId,
    execution: running ? 'running' : 'closed',
    runId: info.runId,
    runStatus: info.status.name,
    closedAt: info.closeTime?.toISOString() ?? null,
    problems: info.typedSearchAttributes.get(temporalReportedProblems) ?? [],
    status: null,
    unreadable: null,
  };
  try {
    if (running) return { ...base, status: await client.workflow.getHandle(workflowId, info.runId).query(statusQuery) };
    const state = await closedRunState(client, workflowId, { runId: info.runId, status: info.status.name });
    // A closed date does nothing on its own any more: no next deadline.
    return { ...base, status: { ...dateStatus(definition, state), nextDeadline: null } };
  } catch (error) {
    return { ...base, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** One date, by its workflow id (found even before its first task set the search attributes). */
export async function readDate(client: Client, definition: PipelineDefinition, gameDate: string): Promise<DateRun> {
  const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
  const info = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  return dateRunOf(client, definition, gameDate, info);
}

/** Every date from `from` to `to`, inclusive. */
export function dateRange(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/** The latest run of each workflow among `runs` (a running one wins, else the last to close). */
export function latestRuns<T extends RunInfo>(runs: T[]): Map<string, T> {
  const latest = new Map<string, T>();
  const rank = (r: T) => (r.status.name === 'RUNNING' ? Number.MAX_SAFE_INTEGER : (r.closeTime?.getTime() ?? 0));
  for (const run of runs) {
    const seen = latest.get(run.workflowId);
    if (!seen || rank(run) > rank(seen)) latest.set(run.workflowId, run);
  }
  return latest;
}

export async function listRuns(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query })) runs.push(run);
  return runs;
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

/** Every calendar date from `from` to `to`, each with its latest run (visibility: the GameDate search attribute). */
export async function readRange(client: Client, definition: PipelineDefinition, from: string, to: string): Promise<DateRun[]> {
  const query = `${searchAttributes.pipeline.name} = '${definition.pipeline}' AND ${searchAttributes.gameDate.name} >= '${from}' AND ${searchAttributes.gameDate.name} <= '${to}'`;
  const latest = latestRuns(await listRuns(client, query));
  return mapLimited(dateRange(from, to), 8, async (gameDate) => {
    const info = latest.get(gameDateWorkflowId(definition.pipeline, gameDate));
    // A date whose first task has not run yet has no GameDate attribute: ask for it by id.
    return info ? dateRunOf(client, definition, gameDate, info) : readDate(client, definition, gameDate);
  });
}
