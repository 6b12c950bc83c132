/**
 * `reset DATE --to <point> --reason`: Temporal's ResetWorkflowExecution at a point that makes sense for a date's
 * workflow (reset-plan.ts), after printing what it replays. Completion signals after the point are re-applied
 * (ResetReapplyType signal); a trigger decided again publishes with the same trigger id.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { connect, defaultActor, definition, examples, gameDateArgument, operatorEnv, printJson, UsageError } from '../cli-context';
import { describePlan, RESET_POINT_HELP, RESET_POINTS, resetEvent, resetPlan, type ResetPoint } from '../reset-plan';
import { gameDateWorkflowId } from '../../workflows/game-date/messages';

/** `temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL`. */
const REAPPLY_SIGNALS = 1;

interface ResetFlags {
  to: ResetPoint;
  reason: string;
  actor: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description("take a date's latest run back to a point and run it again from there on the current code (Temporal reset)")
    .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
    .addOption(new Option('--to <point>', Object.entries(RESET_POINT_HELP).map(([p, h]) => `${p}: ${h}`).join('; ')).choices(RESET_POINTS).makeOptionMandatory())
    .requiredOption('--reason <text>', 'why (recorded in the reset)')
    .option('--actor <name>', 'who is acting', defaultActor())
    .option('--dry-run', 'print the plan and change nothing')
    .option('--yes', 'reset without asking')
    .option('--json', 'print the plan (and the new run) as JSON')
    .addHelpText('after', examples('reset 2026-01-15 --to first-failed-task --reason "fixed the bad deploy" --dry-run', 'reset 2026-01-15 --to last-completion --reason "re-decide with the fixed rule" --yes'))
    .action(async (gameDate: string, flags: ResetFlags) => {
      const client = await connect();
      const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
      const handle = client.workflow.getHandle(workflowId);
      const { runId } = await handle.describe();
      const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
      const plan = resetPlan(events, flags.to);
      if (!flags.json) console.log(describePlan(plan, workflowId, runId));
      if (flags.dryRun) {
        if (flags.json) printJson({ gameDate, workflowId, runId, plan, dryRun: true });
        else console.log('dry run: nothing was reset');
        return;
      }
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new UsageError('not a terminal: add --yes to reset without asking (or --dry-run for the plan only).');
        const prompt = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await prompt.question(`Reset ${workflowId}? [y/N] `);
        prompt.close();
        if (!/^y(es)?$/i.test(answer.trim())) return console.log('not reset');
      }
      const response = await client.workflowService.resetWorkflowExecution({
        namespace: operatorEnv().TEMPORAL_NAMESPACE,
        workflowExecution: { workflowId, runId },
        reason: `${flags.actor}: ${flags.reason}`,
        workflowTaskFinishEventId: resetEvent(events, flags.to).eventId,
        requestId: randomUUID(),
        resetReapplyType: REAPPLY_SIGNALS,
      });
      if (flags.json) printJson({ gameDate, workflowId, runId, plan, newRunId: response.runId, actor: flags.actor, reason: flags.reason });
      else console.log(`reset: new run ${response.runId} (by ${flags.actor}: ${flags.reason})`);
    });
}
