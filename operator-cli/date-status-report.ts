/** Renders a date's status (the workflow's `status` query) as plain lines an operator can read, and a range as a table. */
import type { GameDateStatus } from '../workflows/game-date/status';
import { paint } from './cli-context';
import { table } from './cli-table';
import type { DateRun } from './date-runs';

export function formatDateStatus(status: GameDateStatus, workflowId: string, uiUrl?: string): string {
  const lines = [`${status.pipeline} ${status.gameDate} — current phase: ${status.currentPhase}`];
  for (const t of status.transitions) {
    const rounds = t.rounds.map((r) => `${r.key}:${r.state}${r.reason ? ` (${r.reason})` : ''}${r.error ? ` error: ${r.error}` : ''}`).join(', ');
    lines.push(`  ${t.name.padEnd(18)} ${t.state.padEnd(10)} ${t.completed.length} done${t.missing.length ? `, missing ${t.missing.join(', ')}` : ''}${rounds ? ` | ${rounds}` : ''}`);
    if (t.unknownNames.length) lines.push(`    unknown processor names: ${[...new Set(t.unknownNames)].join(', ')}`);
    for (const report of t.reports) lines.push(`    ${report.name} reported ${report.status}${report.errorMessage ? `: ${report.errorMessage}` : ''}`);
  }
  const pending = status.pendingWrites;
  const waiting = pending.completionRows + pending.logRows + pending.projections.length + pending.statusRows.length + pending.alerts;
  if (waiting) lines.push(`  waiting to be written: ${JSON.stringify(pending)}${status.outages.length ? ` (down: ${status.outages.join(', ')})` : ''}`);
  if (status.nextDeadline) lines.push(`  next deadline: ${status.nextDeadline.label} at ${status.nextDeadline.at}`);
  if (status.lastAlert) lines.push(`  last alert: ${status.lastAlert.severity} ${status.lastAlert.title} (${status.lastAlert.at})`);
  lines.push(`  duplicates dropped: ${status.duplicatesDropped}`);
  for (const action of status.operatorActions) lines.push(`  operator ${action.operator} ${action.action} ${action.transition}/${action.round}: ${action.reason}`);
  if (uiUrl) lines.push(`  Web UI: ${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  return lines.join('\n');
}

/** `phase4_to_phase5` → `4→5`: the range table's transitions column stays narrow. */
export function shortTransition(name: string): string {
  const match = /^phase(\w+)_to_phase(\w+)$/.exec(name);
  return match ? `${match[1]}→${match[2]}` : name;
}

const STATE_COLOURS: Partial<Record<string, Parameters<typeof paint>[0]>> = {
  triggered: 'green',
  monitored: 'green',
  skipped: 'grey',
  waiting: 'blue',
  triggering: 'blue',
  overdue: 'yellow',
  blocked: 'red',
  failed: 'red',
};

function runLabel(run: DateRun, separator = ' '): string {
  if (run.execution === 'none') return 'no workflow';
  if (run.execution === 'running') return run.problems.length ? paint('red', 'running, task failing') : 'running';
  return paint(run.runStatus === 'COMPLETED' ? 'grey' : 'red', `closed${separator}(${(run.runStatus ?? '').toLowerCase().replace('_', ' ')})`);
}

function lastAction(status: GameDateStatus): string {
  const action = status.operatorActions.at(-1);
  return action ? `${action.operator}: ${action.action} ${shortTransition(action.transition)} (${action.reason})` : '';
}

function time(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/** `status DATE`: the date's run, then every detail of its status. */
export function formatDateRun(run: DateRun, uiUrl?: string): string {
  if (run.execution === 'none') return `${run.gameDate}: no workflow (nothing has been received or planned for it)`;
  const head = `${run.gameDate}: ${runLabel(run)}${run.closedAt ? ` at ${run.closedAt}` : ''}, run ${run.runId}`;
  const problems = run.problems.length ? [`  Temporal reports: ${run.problems.join(', ')}`] : [];
  if (!run.status) return [head, ...problems, `  state unreadable: ${run.unreadable ?? 'unknown'}`].join('\n');
  return [head, ...problems, formatDateStatus(run.status, run.workflowId, uiUrl)].join('\n');
}

/** `status --from --to`: one row per date, the transitions stacked in one cell (fits 120 columns). */
export function dateRunsTable(runs: DateRun[]): string {
  const rows = table(['date', 'run', 'transitions', 'missing', 'next deadline', 'last alert', 'last action'], [12, 14, 15, 26, 17, 15, 13]);
  for (const run of runs) {
    const status = run.status;
    if (!status) {
      rows.push([run.gameDate, runLabel(run, '\n'), run.unreadable ? `unreadable: ${run.unreadable}` : '', '', '', '', '']);
      continue;
    }
    const transitions = status.transitions.map((t) => `${shortTransition(t.name)} ${paint(STATE_COLOURS[t.state] ?? 'blue', t.state)}`).join('\n');
    const missing = status.transitions
      .filter((t) => !t.settled && t.missing.length && (t.completed.length || t.state !== 'waiting'))
      .map((t) => `${shortTransition(t.name)}: ${t.missing.join(', ')}`)
      .join('\n');
    const deadline = status.nextDeadline ? `${time(status.nextDeadline.at)} ${status.nextDeadline.label}` : '';
    const alert = status.lastAlert ? `${status.lastAlert.severity}: ${status.lastAlert.title}` : '';
    rows.push([run.gameDate, runLabel(run, '\n'), transitions, missing, deadline, alert, lastAction(status)]);
  }
  return rows.toString();
}
