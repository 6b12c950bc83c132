/** The operator CLI's commands, put together (main.ts runs them; the help test reads them). */
import { Command } from 'commander';
import { definition } from './cli-context';
import { registerAlertCommand } from './commands/alert-command';
import { registerBackfillCommand } from './commands/backfill-command';
import { registerDriftCommand } from './commands/drift-command';
import { registerHealthCommand } from './commands/health-command';
import { registerReconcileCommand } from './commands/reconcile-command';
import { registerRepairCommands } from './commands/repair-commands';
import { registerReplayCommand } from './commands/replay-command';
import { registerResetCommand } from './commands/reset-command';
import { registerStatusCommand } from './commands/status-command';
import { registerStuckCommand } from './commands/stuck-command';

export function operatorProgram(): Command {
  const program = new Command('operator').description(`Inspect and repair game dates of pipeline "${definition.pipeline}"`).exitOverride();
  registerStatusCommand(program);
  registerStuckCommand(program);
  registerRepairCommands(program);
  registerResetCommand(program);
  registerReplayCommand(program);
  registerBackfillCommand(program);
  registerReconcileCommand(program);
  registerAlertCommand(program);
  registerHealthCommand(program);
  registerDriftCommand(program);
  return program;
}
