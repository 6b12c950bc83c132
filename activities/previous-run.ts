/**
 * Reads a date's latest closed run from Temporal, so a run started by a late duplicate resumes from it
 * instead of starting empty (and triggering a settled transition a second time).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { GameDateState } from '../workflows/game-date/state';
import { gameDateStateQuery, type PreviousRunActivities, type PreviousRunInput } from '../workflows/game-date/internal-messages';

export function createPreviousRunLoader(client: Client): PreviousRunActivities {
  return {
    async loadPreviousRunState({ workflowId, runId }: PreviousRunInput): Promise<GameDateState | null> {
      const runs = client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}' AND ExecutionStatus != 'Running'` });
      let latest: { runId: string; status: string; closeTime: number } | undefined;
      for await (const run of runs) {
        if (run.runId === runId) continue;
        const closeTime = run.closeTime?.getTime() ?? 0;
        if (!latest || closeTime > latest.closeTime) latest = { runId: run.runId, status: run.status.name, closeTime };
      }
      if (!latest) return null;
      const handle = client.workflow.getHandle(workflowId, latest.runId);
      if (latest.status === 'COMPLETED') return (await handle.result()) as GameDateState;
      if (latest.status === 'CONTINUED_AS_NEW') return null;
      // A failed or terminated run has no result; its state is still readable by replaying it for a query.
      try {
        return await handle.query(gameDateStateQuery);
      } catch (error) {
        throw ApplicationFailure.nonRetryable(
          `The previous run ${latest.runId} of ${workflowId} ended ${latest.status} and its state cannot be read (${(error as Error).message}); inspect it with \`temporal workflow show -w ${workflowId} -r ${latest.runId}\``,
          'PreviousRunUnreadable',
        );
      }
    },
  };
}
