/**
 * `reconcile [--from D --to D] [--dry-run]`: the reconciliation watchdog, run now. It starts the watchdog's own
 * workflow on the worker's task queue (same reconciler, same writers, same alerts), so what it records and
 * alerts is exactly what the scheduled run would; a dry run writes nothing and alerts nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
// Types only: the workflow module belongs to the worker's sandbox.
import type { ReconciliationInput, reconciliationWorkflow } from '../../workflows/watchdogs/reconciliation-workflow';
import type { ReconcileResult } from '../../workflows/watchdogs/watchdog-contracts';
import { renderTable } from '../cli-table';
import { connect, definition, gameDateArgument, operatorEnv, printJson } from '../cli-context';

interface ReconcileFlags {
  from?: string;
  to?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function reconcileWorkflowId(pipeline: string): string {
  return `${pipeline}-reconcile-operator-${randomUUID().slice(0, 8)}`;
}

function print(result: ReconcileResult, range: string): void {
  if (result.details.length) {
    console.log(
      renderTable(
        ['date', 'transition', 'gap', 'repaired', 'detail'],
        result.details.map((d) => [d.gameDate, d.transition ?? '-', d.kind, d.repaired ? 'yes' : d.repairError ? `no: ${d.repairError}` : 'no', d.detail]),
      ),
    );
  }
  const more = result.truncated ? ` (first ${result.details.length} shown)` : '';
  const calendar = result.calendar ? `; calendar ${result.calendar.source}: ${result.calendar.unrecorded} date(s) never recorded` : '';
  const repaired = result.details.filter((d) => d.repaired).length;
  console.log(`${range}: ${result.dates} date(s) with a workflow checked, ${result.discrepancies} gap(s)${more}, ${repaired} repaired or recorded, ${result.failedRepairs} failed${calendar}.`);
  if (result.dryRun) console.log('Dry run: nothing was written or alerted.');
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description("compare dates' projections (Firestore, BigQuery) and the calendar with their workflows; repair and alert what is missing")
    .option('--from <date>', 'first date, YYYY-MM-DD (default: every date)', gameDateArgument)
    .option('--to <date>', 'last date, YYYY-MM-DD (default: every date)', gameDateArgument)
    .option('--dry-run', 'report the gaps only: no repair, no alert')
    .option('--json', 'print the reconciliation result as JSON')
    .addHelpText('after', '\nExample:\n  $ npm run operator -- reconcile --from 2026-01-01 --to 2026-01-31 --dry-run')
    .action(async (flags: ReconcileFlags) => {
      if (flags.from && flags.to && flags.from > flags.to) throw new Error(`--from ${flags.from} is after --to ${flags.to}`);
      const client = await connect();
      const dryRun = flags.dryRun === true;
      const input: ReconciliationInput = { pipeline: definition.pipeline, dryRun, ...(flags.from ? { from: flags.from } : {}), ...(flags.to ? { to: flags.to } : {}), ...(dryRun ? { alerts: false } : {}) };
      const result = await client.workflow.execute<typeof reconciliationWorkflow>('reconciliationWorkflow', {
        taskQueue: operatorEnv().TEMPORAL_TASK_QUEUE,
        workflowId: reconcileWorkflowId(definition.pipeline),
        args: [input],
      });
      if (flags.json) printJson(result);
      else print(result, `${flags.from ?? 'first date'} .. ${flags.to ?? 'last date'}`);
      // Scripts can tell a clean range from one that needs attention.
      process.exitCode = result.details.some((d) => !d.repaired) ? 1 : 0;
    });
}
