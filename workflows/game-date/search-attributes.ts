/** The date's search attributes, so operators can filter stuck dates in the Web UI (upserted only on change). */
import { upsertSearchAttributes } from '@temporalio/workflow';
import { missingProcessors } from '../../contract/transition-rules';
import type { DateContext } from './date-context';
import { searchAttributes } from './messages';
import { completedKeys, isRoundSettled, isTransitionSettled, transitionOf } from './state';
import { currentPhase, transitionHeadline } from './status';

/** Returns an updater that remembers what it last upserted. */
export function searchAttributeUpdater(ctx: DateContext): () => void {
  const { definition, gameDate, state } = ctx;
  let last = '';
  return () => {
    const states: string[] = [];
    const missing: string[] = [];
    const overdue: string[] = [];
    for (const def of definition.transitions) {
      const transition = transitionOf(state, def.name);
      states.push(`${def.name}:${transitionHeadline(def, transition)}`);
      if (!isTransitionSettled(def, transition) && transition.firstCompletionAt !== null) {
        for (const name of missingProcessors(def, completedKeys(transition))) missing.push(`${def.name}:${name}`);
      }
      const late =
        Object.values(transition.rounds).some((r) => r.overdueAlerts > 0 && !isRoundSettled(r)) ||
        ((transition.silenceAlerts > 0 || transition.plannedAlerts > 0) && transition.firstCompletionAt === null);
      if (late) overdue.push(def.name);
    }
    const phase = currentPhase(definition, state);
    const snapshot = JSON.stringify([phase, states, missing, overdue]);
    if (snapshot === last) return;
    last = snapshot;
    upsertSearchAttributes([
      { key: searchAttributes.gameDate, value: gameDate },
      { key: searchAttributes.pipeline, value: state.pipeline },
      { key: searchAttributes.currentPhase, value: phase },
      { key: searchAttributes.transitionStates, value: states },
      { key: searchAttributes.missingProcessors, value: missing },
      { key: searchAttributes.overdueTransitions, value: overdue },
    ]);
  };
}
