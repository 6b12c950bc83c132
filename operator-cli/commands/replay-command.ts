/**
 * `replay DATE`: downloads the date's history and replays it against the current workflow code, the check to run
 * before deploying a workflow change. Exit 0 when compatible, 1 with the non-determinism error when not.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { prebuiltWorkflowBundle } from '../../worker/workflow-bundle';
import { gameDateWorkflowId } from '../../workflows/game-date/messages';
import { connect, definition, examples, gameDateArgument, printJson } from '../cli-context';
import { discardWorkflowSpans } from '../../service/tracing';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description("replay a date's latest run against the current workflow code: is the code still compatible with it?")
    .argument('<game-date>', 'YYYY-MM-DD', gameDateArgument)
    .option('--run <id>', 'a run other than the latest')
    .option('--workflows <path>', 'the workflows module to replay against (default: this build\'s)')
    .option('--json', 'print the verdict as JSON')
    .addHelpText('after', examples('replay 2026-01-15', 'replay 2026-01-15 --workflows ../next-release/workflows/index.ts'))
    .action(async (gameDate: string, flags: { run?: string; workflows?: string; json?: boolean }) => {
      // The replaying worker's and the bundler's own logs would bury the verdict (and break --json).
      const logger = new DefaultLogger('ERROR', ({ level, message }) => console.error(`${level} ${message}`));
      // Core's own logs too (forwarded to that logger, instead of the terminal).
      Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
      const client = await connect();
      const workflowId = gameDateWorkflowId(definition.pipeline, gameDate);
      const handle = client.workflow.getHandle(workflowId, flags.run);
      const runId = flags.run ?? (await handle.describe()).runId;
      const history = await handle.fetchHistory();
      const workflowsPath = flags.workflows ? path.resolve(flags.workflows) : undefined;
      // A build replays the bundle its worker runs; from source (or another module) the bundle is made here, once.
      const workflowBundle = await ((!workflowsPath && prebuiltWorkflowBundle()) || bundleWorkflowCode({ workflowsPath: workflowsPath ?? require.resolve('../../workflows'), logger }));
      const events = history.events?.length ?? 0;
      try {
        // A traced history looks up the span sink while replaying; its spans are not exported again.
        await Worker.runReplayHistory({ workflowBundle, sinks: discardWorkflowSpans() }, history, workflowId);
      } catch (error) {
        const details = error instanceof Error ? error.message : String(error);
        // The SDK wraps core's sentence ("[TMPRL1100] Nondeterminism error: …") in a debug dump of the failure.
        const message = /message: "(\[TMPRL\d+\][^"]*)"/.exec(details)?.[1] ?? details;
        if (flags.json) printJson({ gameDate, workflowId, runId, events, compatible: false, error: message, details });
        else console.log(`NOT compatible: ${message}`);
        process.exitCode = 1;
        return;
      }
      if (flags.json) printJson({ gameDate, workflowId, runId, events, compatible: true });
      else console.log(`compatible: ${workflowId} run ${runId} (${events} events) replays on ${workflowsPath ?? 'the current workflow code'}`);
    });
}
