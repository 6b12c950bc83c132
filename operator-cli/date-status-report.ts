/** Renders a date's status (the workflow's `status` query) as plain lines an operator can read. */
import type { GameDateStatus } from '../workflows/game-date/status';

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
