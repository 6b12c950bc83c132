/**
 * `stuck`: the dates that need an operator. Open dates that are overdue, blocked or failed (their search
 * attributes), or whose workflow task keeps failing (Temporal's `TemporalReportedProblems`); and dates whose
 * latest run closed in the last `--days` failed, timed out, or with writes still queued (its final state).
 */
import type { Command } from 'commander';
import { searchAttributes } from '../../workflows/game-date/messages';
import { connect, definition, examples, paint, printJson, UsageError } from '../cli-context';
import { table } from '../cli-table';
import { closedRunState, latestRuns, listRuns, mapLimited, temporalReportedProblems } from '../date-runs';
import { shortTransition } from '../date-status-report';

export interface StuckDate {
  gameDate: string;
  workflowId: string;
  runId: string;
  execution: 'running' | 'closed';
  runStatus: string;
  reasons: string[];
  details: string[];
}

export function registerStuckCommand(program: Command): void {
  program
    .command('stuck')
    .description('list dates that are overdue, blocked, failed, whose workflow task keeps failing, or that closed with writes still queued')
    .option('--days <n>', 'how far back to look at closed dates', '7')
    .option('--json', 'print the dates as JSON')
    .addHelpText('after', examples('stuck', 'stuck --days 30 --json'))
    .action(async (flags: { days: string; json?: boolean }) => {
      const days = Number(flags.days);
      if (!Number.isInteger(days) || days < 0) throw new UsageError(`--days must be a whole number of days, not "${flags.days}".`);
      const stuck = await findStuckDates(days);
      if (flags.json) return printJson(stuck);
      if (!stuck.length) return console.log('No stuck dates.');
      const rows = table(['date', 'run', 'why', 'details'], [12, 22, 22, 60]);
      for (const s of stuck) rows.push([s.gameDate, s.execution === 'running' ? 'running' : `closed (${s.runStatus.toLowerCase()})`, paint('red', s.reasons.join('\n')), s.details.join('\n')]);
      console.log(rows.toString());
      console.log(`${stuck.length} stuck date(s)`);
    });
}

async function findStuckDates(days: number): Promise<StuckDate[]> {
  const client = await connect();
  const pipeline = `${searchAttributes.pipeline.name} = '${definition.pipeline}'`;
  const badStates = definition.transitions.flatMap((t) => [`'${t.name}:blocked'`, `'${t.name}:failed'`]).join(', ');
  const open = `${pipeline} AND ExecutionStatus = 'Running'`;
  const [attention, problems, closed] = await Promise.all([
    listRuns(client, `${open} AND (${searchAttributes.overdueTransitions.name} IS NOT NULL OR ${searchAttributes.transitionStates.name} IN (${badStates}))`),
    // Servers before 1.28 do not know the attribute: nothing to report from it there.
    listRuns(client, `${open} AND ${temporalReportedProblems.name} IS NOT NULL`).catch(() => []),
    listRuns(client, `${pipeline} AND ExecutionStatus != 'Running' AND CloseTime > '${new Date(Date.now() - days * 86_400_000).toISOString()}'`),
  ]);
  const found = new Map<string, StuckDate>();
  const entry = (run: (typeof attention)[number]): StuckDate => {
    const existing = found.get(run.workflowId);
    if (existing) return existing;
    const gameDate = run.typedSearchAttributes.get(searchAttributes.gameDate) ?? run.workflowId;
    const created: StuckDate = { gameDate, workflowId: run.workflowId, runId: run.runId, execution: run.status.name === 'RUNNING' ? 'running' : 'closed', runStatus: run.status.name, reasons: [], details: [] };
    found.set(run.workflowId, created);
    return created;
  };
  for (const run of attention) {
    const s = entry(run);
    const overdue = run.typedSearchAttributes.get(searchAttributes.overdueTransitions) ?? [];
    const states = (run.typedSearchAttributes.get(searchAttributes.transitionStates) ?? []).filter((v) => v.endsWith(':blocked') || v.endsWith(':failed'));
    if (overdue.length) {
      s.reasons.push('overdue');
      s.details.push(`overdue: ${overdue.map(shortTransition).join(', ')}`);
    }
    for (const value of states) {
      const [transition, state] = value.split(':') as [string, string];
      s.reasons.push(state);
      s.details.push(`${shortTransition(transition)} ${state}`);
    }
    const missing = run.typedSearchAttributes.get(searchAttributes.missingProcessors) ?? [];
    if (missing.length) s.details.push(`missing: ${missing.map((m) => m.replace(/^(\w+):/, (_, t: string) => `${shortTransition(t)}:`)).join(', ')}`);
  }
  for (const run of problems) {
    const s = entry(run);
    s.reasons.push('workflow task failing');
    s.details.push(`Temporal reports: ${(run.typedSearchAttributes.get(temporalReportedProblems) ?? []).join(', ')}`);
  }
  // Only a date's latest run counts: a date re-opened since (running) is judged by its open run above.
  const running = new Set((await listRuns(client, open)).map((r) => r.workflowId));
  const latestClosed = [...latestRuns(closed).values()].filter((r) => !running.has(r.workflowId) && r.status.name !== 'CONTINUED_AS_NEW');
  await mapLimited(latestClosed, 8, async (run) => {
    if (run.status.name === 'FAILED' || run.status.name === 'TIMED_OUT') {
      const s = entry(run);
      s.reasons.push(`run ${run.status.name.toLowerCase().replace('_', ' ')}`);
      s.details.push(`closed ${run.closeTime?.toISOString() ?? '?'}; repair with reset --to first-failed-task`);
    }
    const state = await closedRunState(client, run.workflowId, { runId: run.runId, status: run.status.name }).catch(() => null);
    const pending = state ? state.pendingCompletionRows.length + state.pendingLogRows.length + state.dirtyProjections.length + state.dirtyStatusRows.length + state.undeliveredAlerts.length : 0;
    if (state && pending > 0) {
      const s = entry(run);
      s.reasons.push('closed with pending writes');
      s.details.push(`${pending} write(s) never landed: ${state.pendingCompletionRows.length} completion rows, ${state.pendingLogRows.length} log rows, ${state.dirtyProjections.length + state.dirtyStatusRows.length} projections, ${state.undeliveredAlerts.length} alerts`);
    }
  });
  return [...found.values()].sort((a, b) => a.gameDate.localeCompare(b.gameDate));
}
