/**
 * Finds the pipeline's workflows that cannot make progress: running ones whose workflow task keeps failing
 * (Temporal's `TemporalReportedProblems` search attribute, and, for servers without it, a pending workflow
 * task on its third attempt or later) and runs that failed or timed out recently. Each comes with its date
 * and the error taken from its history.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { GAME_DATE_WORKFLOW_TYPE } from '../workflows/game-date/messages';
import type { FindStuckInput, StuckKind, StuckWorkflow } from '../workflows/watchdogs/watchdog-contracts';

export interface StuckWorkflowsDeps {
  client: Client;
  pipeline: string;
  /** Workflow types to watch besides the date workflows (the watchdogs themselves). */
  workflowTypes?: string[];
  /** A pending workflow task at this attempt or later counts as failing (default 3). */
  failingTaskAttempts?: number;
}

export function createStuckWorkflowFinder(deps: StuckWorkflowsDeps): (input: FindStuckInput) => Promise<StuckWorkflow[]> {
  const types = [GAME_DATE_WORKFLOW_TYPE, ...(deps.workflowTypes ?? [])];
  const typeClause = `(${types.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
  const ours = (info: WorkflowExecutionInfo) => info.workflowId.startsWith(`${deps.pipeline}-`);

  return async function findStuckWorkflows({ closedSince }: FindStuckInput): Promise<StuckWorkflow[]> {
    if (Number.isNaN(Date.parse(closedSince))) throw new Error(`closedSince "${closedSince}" is not an ISO time`);
    const found = new Map<string, StuckWorkflow>();
    const add = async (info: WorkflowExecutionInfo, kind: StuckKind) => {
      if (!ours(info) || found.has(info.runId)) return;
      found.set(info.runId, {
        workflowId: info.workflowId,
        runId: info.runId,
        workflowType: info.type,
        gameDate: /game-date-(\d{4}-\d{2}-\d{2})$/.exec(info.workflowId)?.[1] ?? null,
        kind,
        error: await lastError(deps.client, info, kind),
        since: (kind === 'task_failing' ? info.startTime : (info.closeTime ?? info.startTime)).toISOString(),
      });
    };

    // Servers that know the attribute flag runs whose tasks keep failing or timing out.
    try {
      for await (const info of deps.client.workflow.list({ query: `${typeClause} AND ExecutionStatus = 'Running' AND TemporalReportedProblems IS NOT NULL` })) {
        await add(info, 'task_failing');
      }
    } catch {
      // Older server without TemporalReportedProblems: the describe pass below covers it.
    }
    const minAttempts = deps.failingTaskAttempts ?? 3;
    for await (const info of deps.client.workflow.list({ query: `${typeClause} AND ExecutionStatus = 'Running'` })) {
      if (!ours(info) || found.has(info.runId)) continue;
      const description = await deps.client.workflow.getHandle(info.workflowId, info.runId).describe();
      if ((description.raw.pendingWorkflowTask?.attempt ?? 0) >= minAttempts) await add(info, 'task_failing');
    }
    const closed = `${typeClause} AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut') AND CloseTime >= '${new Date(closedSince).toISOString()}'`;
    for await (const info of deps.client.workflow.list({ query: closed })) {
      await add(info, info.status.name === 'TIMED_OUT' ? 'timed_out' : 'failed');
    }
    return [...found.values()];
  };
}

/** The failure message from the run's history: the last failed workflow task, or the run's own failure. */
async function lastError(client: Client, info: WorkflowExecutionInfo, kind: StuckKind): Promise<string> {
  if (kind === 'timed_out') return 'the workflow run timed out';
  try {
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const events = history.events ?? [];
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      const failure = event?.workflowExecutionFailedEventAttributes?.failure ?? event?.workflowTaskFailedEventAttributes?.failure;
      if (failure?.message) return `${failure.message}${failure.applicationFailureInfo?.type ? ` [${failure.applicationFailureInfo.type}]` : ''}`;
      if (event?.workflowTaskTimedOutEventAttributes) return 'its workflow task timed out (worker too slow or gone)';
    }
    return 'no failure recorded in its history';
  } catch (error) {
    return `history unreadable: ${(error as Error).message}`;
  }
}
