/**
 * `force | rearm | skip DATE TRANSITION --reason`: each goes through the date's `operatorCommand` update, validated
 * in the workflow and recorded in its history and in a `phase_execution_log` row with who and why. The update is
 * sent with update-with-start, so a closed date is re-opened by a new run that restores the final state of the
 * last one (the bridge starts dates the same way: gameDateStartOptions) and the command is checked against it.
 */
import { Option, type Command } from 'commander';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { GAME_DATE_WORKFLOW_TYPE, operatorCommandUpdate, type OperatorAction, type OperatorCommand } from '../../workflows/game-date/messages';
import { validateOperatorCommand } from '../../workflows/game-date/operator-commands';
import { gameDateStartMetadata } from '../../workflows/game-date/start-metadata';
import { gameDateStartOptions } from '../../workflows/game-date/start-options';
import { connect, defaultActor, definition, examples, gameDateArgument, operatorEnv, printJson, transitionArgument, transitionNames } from '../cli-context';
import { closedRunState, readDate } from '../date-runs';

const REPAIRS = [
  ['force', 'trigger a transition now, bypassing its rule (the circuit breaker included)', 'force 2026-01-15 phase4_to_phase5 --reason "ml_feature_store reran by hand"'],
  ['rearm', 'let a transition trigger again (new trigger id) when its rule is met', 'rearm 2026-01-15 phase2_to_phase3 --reason "phase 3 lost the trigger" --actor alice'],
  ['skip', 'settle a transition for this date without triggering it', 'skip 2026-01-15 phase5_to_phase6 --round batch-7 --reason "no export for this batch"'],
] as const satisfies readonly (readonly [OperatorAction, string, string])[];

interface RepairFlags {
  reason: string;
  round?: string;
  actor: string;
  operator?: string;
  json?: boolean;
}

export function registerRepairCommands(program: Command): void {
  for (const [action, description, example] of REPAIRS) {
    program
      .command(action)
      .description(`${description}; a closed date is re-opened from its final state`)
      .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
      .argument('<transition>', transitionNames.join(' | '), transitionArgument)
      .requiredOption('--reason <text>', 'why (recorded in the history and the execution log)')
      .option('--round <key>', 'a mode (overnight, same_day, tomorrow) or a prediction batch id')
      .option('--actor <name>', 'who is acting (recorded with the reason)', defaultActor())
      // The flag's earlier name, kept for scripts.
      .addOption(new Option('--operator <name>').hideHelp())
      .option('--json', 'print the result as JSON')
      .addHelpText('after', examples(example))
      .action(async (gameDate: string, transition: string, flags: RepairFlags) => {
        const command: OperatorCommand = { action, transition, round: flags.round, reason: flags.reason, operator: flags.operator ?? flags.actor };
        const client = await connect();
        const before = await readDate(client, definition, gameDate);
        // A closed date: check the command against its final state first, so one it would reject re-opens nothing.
        // The workflow checks again once the new run has restored that state.
        if (before.execution === 'closed' && before.runId && before.runStatus) {
          const state = await closedRunState(client, before.workflowId, { runId: before.runId, status: before.runStatus }).catch(() => null);
          if (state) validateOrReject(state, command);
        }
        const start = new WithStartWorkflowOperation(GAME_DATE_WORKFLOW_TYPE, {
          ...gameDateStartOptions(definition, gameDate, { taskQueue: operatorEnv().TEMPORAL_TASK_QUEUE, now: Date.now() }),
          // Only a start (a closed or unknown date) uses them: the Web UI says who opened the date and why.
          ...gameDateStartMetadata(definition, gameDate, { kind: 'operator', actor: command.operator, reason: command.reason, command: action }),
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        const result = await client.workflow.executeUpdateWithStart(operatorCommandUpdate, { args: [command], startWorkflowOperation: start });
        const runId = (await (await start.workflowHandle()).describe()).runId;
        const opened = before.execution === 'running' ? null : before.execution === 'closed' ? 're-opened' : 'started';
        if (flags.json) printJson({ gameDate, workflowId: before.workflowId, runId, opened, actor: command.operator, reason: command.reason, result });
        else {
          if (opened) console.log(`${gameDate} ${opened} (run ${runId}${before.execution === 'closed' ? `, from the final state of run ${before.runId}` : ''})`);
          console.log(`${result.message} (round ${result.round}, state ${result.state}; by ${command.operator}: ${command.reason})`);
        }
        if (result.state === 'failed') process.exitCode = 1;
      });
  }
}

/** The workflow's own check, run here on a closed run's final state; its message is the one the update would give. */
function validateOrReject(state: Parameters<typeof validateOperatorCommand>[1], command: OperatorCommand): void {
  try {
    validateOperatorCommand(definition, state, command);
  } catch (error) {
    throw new CommandRejected((error as Error).message);
  }
}

export class CommandRejected extends Error {
  override name = 'CommandRejected';
}
