/** Messages used only inside the orchestrator (not by operators): the full state for restoring a failed run. */
import { defineQuery } from '@temporalio/workflow';
import type { GameDateState } from './state';

export const gameDateStateQuery = defineQuery<GameDateState>('gameDateState');
