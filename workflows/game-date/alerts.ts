/** Alerts a date raises: each condition once per dedup key, queued for the writer to deliver. */
import type { Alert } from '../../activities/activity-contracts';
import type { GameDateState } from './state';

export interface AlertSpec {
  severity: Alert['severity'];
  title: string;
  text: string;
  dedupKey: string;
  transition?: string;
  correlationId?: string;
  now: number;
}

/** Returns the alert unless this dedup key was already raised for the date. */
export function alertOnce(state: GameDateState, spec: AlertSpec): Alert | null {
  if (state.raisedAlerts.includes(spec.dedupKey)) return null;
  state.raisedAlerts.push(spec.dedupKey);
  return makeAlert(state, spec);
}

export function makeAlert(state: GameDateState, spec: AlertSpec): Alert {
  return {
    severity: spec.severity,
    title: spec.title,
    text: spec.text,
    gameDate: state.gameDate,
    transition: spec.transition,
    dedupKey: spec.dedupKey,
    correlationId: spec.correlationId,
    timestamp: new Date(spec.now).toISOString(),
  };
}

/** Queues the alert for delivery unless its condition was already raised for the date; true when queued. */
export function raise(state: GameDateState, spec: AlertSpec): boolean {
  const alert = alertOnce(state, spec);
  if (!alert) return false;
  state.undeliveredAlerts.push(alert);
  state.lastAlert = { at: spec.now, severity: spec.severity, title: spec.title };
  return true;
}
