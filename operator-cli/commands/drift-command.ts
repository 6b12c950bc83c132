/**
 * The deployment drift check: is what runs the commit that should? Exit 0 when every service is current, 1 on
 * drift (behind, stale, unknown, or a pipeline definition that differs from the committed one), 2 when it
 * cannot check. Both `npm run drift` (operator-cli/drift-cli.ts) and `operator drift` are this command.
 */
import { InvalidArgumentError, type Command } from 'commander';
import path from 'node:path';
import { DEFAULT_PIPELINE_DEFINITION_PATH } from '../../contract/load-pipeline-definition';
import { parseEnvironment, temporalEnvShape } from '../../service/environment-schema';
import { connectTemporalClient } from '../../service/temporal-connection';
import { workerTaskQueues } from '../../workflows/game-date/messages';
import { driftReport, healthBuild, localGit, workerBuilds, type DriftReport } from '../deployment-drift';
import { healthEndpoints, namedUrlArgument, type NamedUrl } from '../health-endpoints';

interface DriftFlags {
  expected: string;
  maxAge: number;
  health?: NamedUrl[];
  definition?: string;
  json?: boolean;
}

function hours(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of hours`);
  return n;
}

function print(report: DriftReport): void {
  console.log(`expected ${report.expected.revision} = ${report.expected.commit.slice(0, 12)} (${report.expected.commitTime}); stale after ${report.maxAgeHours} h`);
  console.table(
    report.rows.map((r) => ({
      service: r.service,
      build: r.build?.slice(0, 12) ?? '-',
      'commit time': r.commitTime ?? '-',
      behind: r.commitsBehind === null ? '-' : `${r.commitsBehind} commits, ${r.hoursBehind} h`,
      status: r.configDrift ? `${r.status} + config drift` : r.status,
      note: r.configDrift ?? r.note ?? '',
    })),
  );
}

async function runDrift(flags: DriftFlags): Promise<number> {
  const env = parseEnvironment(temporalEnvShape);
  const health = healthEndpoints(flags.health);
  const git = localGit();
  // A checkout without a remote (a local clone) has no origin/main: the default then falls back to main.
  const expectedRevision = flags.expected === 'origin/main' && !git.resolve(flags.expected) ? 'main' : flags.expected;
  const client = await connectTemporalClient(env);
  try {
    const serving = [...(await workerBuilds(client, env.TEMPORAL_NAMESPACE, Object.values(workerTaskQueues(env.TEMPORAL_TASK_QUEUE)))), ...(await Promise.all(health.map((h) => healthBuild(h.name, h.url))))];
    const definitionFile = flags.definition ?? path.relative(git.root(), DEFAULT_PIPELINE_DEFINITION_PATH);
    const report = driftReport({ git, expectedRevision, maxAgeHours: flags.maxAge, definitionFile, serving });
    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else print(report);
    return report.drift ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

/** Adds the drift options and action to `command` (a program of its own, or the operator's subcommand). */
export function configureDriftCommand(command: Command): Command {
  return command
    .description('compare the builds that serve the pipeline with the commit that should be deployed')
    .option('--expected <revision>', 'the revision that should be deployed', 'origin/main')
    .option('--max-age <hours>', 'behind for longer than this is stale', hours, 24)
    .option('--health <name=url>', "a process's /health (repeatable; default WATCHDOG_HEALTH_URLS)", namedUrlArgument)
    .option('--definition <file>', 'the committed pipeline definition the processes should have loaded (path in the repository)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  $ npm run operator -- drift --expected origin/main --max-age 24 --health bridge=http://127.0.0.1:8092/health --json')
    .action(async (flags: DriftFlags) => {
      process.exitCode = await runDrift(flags);
    });
}

export function registerDriftCommand(program: Command): void {
  configureDriftCommand(program.command('drift'));
}
