/** What a date reports about itself: the status query's answer and each transition's headline state. */
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { missingProcessors } from '../../contract/transition-rules';
import { nextDeadline } from './deadlines';
import { completedKeys, emptyTransition, isTransitionSettled, type GameDateState, type OperatorRecord, type ReportedRun, type Round, type RoundState, type TransitionState } from './state';

export interface TransitionStatus {
  name: string;
  state: RoundState | 'settled';
  settled: boolean;
  completed: string[];
  missing: string[];
  unknownNames: string[];
  reports: ReportedRun[];
  rounds: Round[];
  skipped: TransitionState['skipped'];
}

export interface GameDateStatus {
  pipeline: string;
  gameDate: string;
  currentPhase: string;
  transitions: TransitionStatus[];
  duplicatesDropped: number;
  pendingWrites: { completionRows: number; logRows: number; projections: string[]; statusRows: string[]; alerts: number };
  outages: string[];
  operatorActions: OperatorRecord[];
  /** The nearest thing the date will do on its own, and the latest alert it raised (ISO times). */
  nextDeadline: { at: string; label: string; transition: string | null } | null;
  lastAlert: { at: string; severity: string; title: string } | null;
  /** A write is in flight right now (its queue may already look empty). */
  writing: boolean;
}

/** A transition's headline state: its most pressing round. */
export function transitionHeadline(definition: TransitionDefinition, transition: TransitionState): RoundState {
  if (transition.skipped) return 'skipped';
  const states = Object.values(transition.rounds).map((r) => r.state);
  const priority: RoundState[] = ['failed', 'blocked', 'overdue', 'triggering', 'waiting', 'triggered', 'monitored', 'skipped'];
  if (isTransitionSettled(definition, transition) && !states.some((s) => s === 'failed' || s === 'blocked' || s === 'overdue')) {
    return states.includes('triggered') ? 'triggered' : states.includes('monitored') ? 'monitored' : 'skipped';
  }
  return priority.find((p) => states.includes(p)) ?? 'waiting';
}

export function currentPhase(definition: PipelineDefinition, state: GameDateState): string {
  const open = definition.transitions.find((t) => {
    const transition = state.transitions[t.name];
    return !transition || !isTransitionSettled(t, transition);
  });
  return open?.name ?? 'done';
}

export function dateStatus(definition: PipelineDefinition, state: GameDateState, writing = false, now = Date.now()): GameDateStatus {
  const deadline = nextDeadline(definition, state, now);
  return {
    pipeline: state.pipeline,
    gameDate: state.gameDate,
    currentPhase: currentPhase(definition, state),
    transitions: definition.transitions.map((t) => {
      const transition = state.transitions[t.name] ?? emptyTransition(t.name);
      const completed = completedKeys(transition);
      return {
        name: t.name,
        state: transitionHeadline(t, transition),
        settled: isTransitionSettled(t, transition),
        completed,
        missing: missingProcessors(t, completed),
        unknownNames: transition.unknownNames,
        reports: transition.reports,
        rounds: Object.values(transition.rounds),
        skipped: transition.skipped,
      };
    }),
    duplicatesDropped: state.duplicatesDropped,
    pendingWrites: {
      completionRows: state.pendingCompletionRows.length,
      logRows: state.pendingLogRows.length,
      projections: state.dirtyProjections,
      statusRows: state.dirtyStatusRows,
      alerts: state.undeliveredAlerts.length,
    },
    outages: state.outages,
    operatorActions: state.operatorActions,
    nextDeadline: deadline && { ...deadline, at: new Date(deadline.at).toISOString() },
    lastAlert: state.lastAlert && { ...state.lastAlert, at: new Date(state.lastAlert.at).toISOString() },
    writing,
  };
}
