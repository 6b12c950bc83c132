/**
 * Messages used only inside the orchestrator (not by operators): the full state of a date's run, and the
 * activity that restores it from the date's previous run.
 */
import { defineQuery } from '@temporalio/workflow';
import type { GameDateState } from './state';

export const gameDateStateQuery = defineQuery<GameDateState>('gameDateState');

export interface PreviousRunInput {
  workflowId: string;
  /** The run asking, excluded from the search. */
  runId: string;
}

/** Restores a date's state from its latest closed run, so a late duplicate never triggers twice. */
export interface PreviousRunActivities {
  /** The previous run's final state, or null when there was none. */
  loadPreviousRunState(input: PreviousRunInput): Promise<GameDateState | null>;
}
