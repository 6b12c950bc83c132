/** `status DATE`: a date's transitions, missing processors, failures and pending writes. */
import type { Command } from 'commander';
import { gameDateWorkflowId, statusQuery } from '../../workflows/game-date/messages';
import { connect, definition, gameDateArgument, operatorEnv, printJson } from '../cli-context';
import { formatDateStatus } from '../date-status-report';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a date's transitions, missing processors, failures and pending writes")
    .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
    .option('--json', 'print the raw status')
    .action(async (gameDate: string, flags: { json?: boolean }) => {
      const client = await connect();
      const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
      const status = await client.workflow.getHandle(workflowId).query(statusQuery);
      if (flags.json) printJson(status);
      else console.log(formatDateStatus(status, workflowId, operatorEnv().TEMPORAL_UI_URL));
    });
}
