/**
 * `npm run chaos`: a chaos run on its own local stack, then the audit. Prints the figures as Markdown tables
 * (the README's), writes the JSON report, and exits 1 on any violation (2 when the run itself could not run).
 *   npm run chaos -- --dates 250 --faults 60 --seed 7 --workers 2 --bridges 2 --report .data/chaos.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DATA_DIR } from '../../local-stack/tools';
import { runChaos } from './chaos-run';
import { formatChaosReport } from './chaos-report';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}

const program = new Command('chaos')
  .description('run the pipeline under many faults at once with several workers and bridges, then audit every date and fault')
  .option('--dates <n>', 'game dates of traffic (each has four transitions)', positiveInt, 20)
  .option('--faults <n>', 'faults spread over the run', positiveInt, 12)
  .option('--seed <n>', 'names the run: same seed, same traffic and faults', positiveInt, 1)
  .option('--workers <n>', 'worker processes', positiveInt, 2)
  .option('--bridges <n>', 'bridge processes (sharing their subscriptions)', positiveInt, 2)
  .option('--settle-seconds <n>', 'how long dates may take to settle after the last fault', positiveInt, 360)
  .option('--report <file>', 'where the JSON report goes', path.join(DATA_DIR, 'chaos-report.json'))
  .option('--quiet', 'print only the tables')
  .exitOverride();

async function main(): Promise<number> {
  const flags = program.parse().opts<{ dates: number; faults: number; seed: number; workers: number; bridges: number; settleSeconds: number; report: string; quiet?: boolean }>();
  const started = Date.now();
  const log = flags.quiet ? undefined : (line: string) => console.log(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`);
  const report = await runChaos({ ...flags, settleMs: flags.settleSeconds * 1_000, log });
  mkdirSync(path.dirname(path.resolve(flags.report)), { recursive: true });
  writeFileSync(flags.report, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatChaosReport(report));
  console.log(`\nreport: ${flags.report}`);
  return report.audit.violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed') process.exit(0);
    if (!code?.startsWith('commander.')) console.error(`chaos: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(2);
  },
);
