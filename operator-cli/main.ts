/**
 * `npm run operator -- <command>`: inspect and repair game dates. Every change goes through the date's
 * workflow update, so it is validated there and recorded in its history with who and why.
 * Each command lives in commands/; this file puts them together and turns every failure into one line.
 */
import { Command } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { definition } from './cli-context';
import { registerAlertCommand } from './commands/alert-command';
import { registerBackfillCommand } from './commands/backfill-command';
import { registerDriftCommand } from './commands/drift-command';
import { registerHealthCommand } from './commands/health-command';
import { registerReconcileCommand } from './commands/reconcile-command';
import { registerRepairCommands } from './commands/repair-commands';
import { registerStatusCommand } from './commands/status-command';
import { registerStuckCommand } from './commands/stuck-command';

const program = new Command('operator')
  .description(`Inspect and repair game dates of pipeline "${definition.pipeline}"`)
  .exitOverride();

registerStatusCommand(program);
registerStuckCommand(program);
registerRepairCommands(program);
registerBackfillCommand(program);
registerReconcileCommand(program);
registerAlertCommand(program);
registerHealthCommand(program);
registerDriftCommand(program);

function oneLine(error: unknown): string {
  if (error instanceof WorkflowUpdateFailedError) return `rejected: ${error.cause?.message ?? error.message}`;
  if (error instanceof WorkflowNotFoundError) return 'no workflow for that date (nothing has been received or planned for it)';
  return error instanceof Error ? error.message : String(error);
}

program.parseAsync().then(
  () => process.exit(),
  (error: unknown) => {
    const code = (error as { code?: string }).code;
    // Commander already printed its own usage error; everything else gets one line here.
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    if (!code?.startsWith('commander.')) console.error(`operator: ${oneLine(error)}`);
    process.exit(2);
  },
);
