/**
 * `npm run operator -- <command>`: inspect and repair game dates. Every change goes through the date's
 * workflow update, so it is validated there and recorded in its history with who and why.
 * Each command lives in commands/; this file puts them together and turns every failure into one line.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { UsageError } from './cli-context';
import { CommandRejected } from './commands/repair-commands';
import { operatorProgram } from './program';

const program = operatorProgram();

function oneLine(error: unknown): string {
  if (error instanceof WorkflowUpdateFailedError) return `rejected: ${error.cause?.message ?? error.message}`;
  if (error instanceof CommandRejected) return `rejected: ${error.message}`;
  if (error instanceof WorkflowNotFoundError) return 'no workflow for that date (nothing has been received or planned for it)';
  const message = error instanceof Error ? error.message : String(error);
  // Anything else (a connection refused, a server error) still gets one line.
  return message.split('\n')[0] ?? message;
}

program.parseAsync().then(
  () => process.exit(),
  (error: unknown) => {
    const code = (error as { code?: string }).code;
    // Commander already printed its own usage error; everything else gets one line here.
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (!code?.startsWith('commander.')) console.error(`operator: ${oneLine(error)}`);
    process.exit(error instanceof UsageError || code?.startsWith('commander.') ? 2 : 1);
  },
);
