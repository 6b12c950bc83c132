/** The operator CLI's commands, put together (main.ts runs them; the help test reads them). */
import { Command } from 'commander';
import { definition } from './cli-context';
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
  return program;
}
