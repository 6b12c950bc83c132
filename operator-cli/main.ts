/**
 * `npm run operator -- <command>`: inspect and repair game dates. Every change goes through the date's
 * workflow update, so it is validated there and recorded in its history with who and why.
 */
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { isCalendarDate } from '../contract/completion-fields';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { parseEnvironment, temporalEnvShape } from '../service/environment-schema';
import { connectTemporalClient } from '../service/temporal-connection';
import { gameDateWorkflowId, operatorCommandUpdate, searchAttributes, statusQuery, type OperatorAction } from '../workflows/game-date/messages';
import { formatDateStatus } from './date-status-report';

const definition = loadPipelineDefinition();
const transitions = definition.transitions.map((t) => t.name);

function gameDateArgument(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`"${value}" is not a YYYY-MM-DD game date.`);
  return value;
}

function transitionArgument(value: string): string {
  if (!transitions.includes(value)) throw new InvalidArgumentError(`unknown transition "${value}"; expected one of ${transitions.join(', ')}.`);
  return value;
}

const operatorEnvShape = {
  ...temporalEnvShape,
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233').describe('Temporal Web UI, for links to a date'),
};

/** Read when a command runs, so `--help` works with any environment. */
function operatorEnv(): z.infer<z.ZodObject<typeof operatorEnvShape>> {
  return parseEnvironment(operatorEnvShape);
}

function connect(): Promise<Client> {
  return connectTemporalClient(operatorEnv());
}

const program = new Command('operator')
  .description(`Inspect and repair game dates of pipeline "${definition.pipeline}"`)
  .exitOverride();

program
  .command('status')
  .description("show a date's transitions, missing processors, failures and pending writes")
  .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
  .option('--json', 'print the raw status')
  .action(async (gameDate: string, flags: { json?: boolean }) => {
    const client = await connect();
    const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
    const status = await client.workflow.getHandle(workflowId).query(statusQuery);
    console.log(flags.json ? JSON.stringify(status, null, 2) : formatDateStatus(status, workflowId, operatorEnv().TEMPORAL_UI_URL));
  });

program
  .command('stuck')
  .description('list open dates with an overdue transition')
  .action(async () => {
    const client = await connect();
    const query = `Pipeline = '${definition.pipeline}' AND ExecutionStatus = 'Running' AND OverdueTransitions IS NOT NULL`;
    let count = 0;
    for await (const execution of client.workflow.list({ query })) {
      const attributes = execution.typedSearchAttributes;
      const gameDate = attributes.get(searchAttributes.gameDate) ?? execution.workflowId;
      const overdue = attributes.get(searchAttributes.overdueTransitions) ?? [];
      console.log(`${gameDate}  overdue: ${overdue.join(', ')}  phase: ${attributes.get(searchAttributes.currentPhase) ?? '?'}`);
      count += 1;
    }
    console.log(count ? `${count} stuck date(s)` : 'No stuck dates.');
  });

for (const [action, description] of [
  ['force', 'trigger a transition now, bypassing its rule (the circuit breaker included)'],
  ['rearm', 'let a transition trigger again (new trigger id) when its rule is met'],
  ['skip', 'settle a transition for this date without triggering it'],
] as const satisfies readonly (readonly [OperatorAction, string])[]) {
  program
    .command(action)
    .description(description)
    .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
    .argument('<transition>', transitions.join(' | '), transitionArgument)
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
