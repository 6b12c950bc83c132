/** `force | rearm | skip DATE TRANSITION --reason`: each goes through the date's workflow update, validated there. */
import type { Command } from 'commander';
import { gameDateWorkflowId, operatorCommandUpdate, type OperatorAction } from '../../workflows/game-date/messages';
import { connect, definition, gameDateArgument, transitionArgument, transitionNames } from '../cli-context';

const REPAIRS = [
  ['force', 'trigger a transition now, bypassing its rule (the circuit breaker included)'],
  ['rearm', 'let a transition trigger again (new trigger id) when its rule is met'],
  ['skip', 'settle a transition for this date without triggering it'],
] as const satisfies readonly (readonly [OperatorAction, string])[];

export function registerRepairCommands(program: Command): void {
  for (const [action, description] of REPAIRS) {
    program
      .command(action)
      .description(description)
      .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
      .argument('<transition>', transitionNames.join(' | '), transitionArgument)
      .requiredOption('--reason <text>', 'why (recorded in the workflow history)')
      .option('--round <key>', 'a mode (overnight, same_day, tomorrow) or a prediction batch id')
      .option('--operator <name>', 'who is acting', process.env.USER ?? 'operator')
      .action(async (gameDate: string, transition: string, flags: { reason: string; round?: string; operator: string }) => {
        const client = await connect();
        const handle = client.workflow.getHandle(gameDateWorkflowId(definition.pipeline, gameDate));
        const result = await handle.executeUpdate(operatorCommandUpdate, {
          args: [{ action, transition, round: flags.round, reason: flags.reason, operator: flags.operator }],
        });
        console.log(`${result.message} (round ${result.round}, state ${result.state})`);
        if (result.state === 'failed') process.exitCode = 1;
      });
  }
}
