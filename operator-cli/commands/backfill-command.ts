/**
 * `backfill --from D --to D`: starts or re-drives every date of a range, one date at a time at `--rate` dates
 * per second, from evidence (operator-cli/backfill.ts). Ctrl-C stops after the current date; the checkpoint
 * keeps the dates done, so the same command resumes where it stopped.
 */
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BigQuery } from '@google-cloud/bigquery';
import { z } from 'zod';
import { DEFAULT_PIPELINE_DEFINITION_PATH } from '../../contract/load-pipeline-definition';
import { parseEnvironment } from '../../service/environment-schema';
import { calendarDateIn } from '../../contract/game-date-mode';
import { addDays, calendarDates, loadPlanning, type LoadedPlanning } from '../../watchdogs/planning';
import { applyPlan, classifyDate, defaultCheckpointPath, readCheckpoint, readEvidence, writeCheckpoint, type BackfillOutcome, type DatePlan, type DateResult } from '../backfill';
import { renderTable } from '../cli-table';
import { dateRange } from '../date-runs';
import { connect, definition, gameDateArgument, operatorEnv, printJson } from '../cli-context';

interface BackfillFlags {
  from: string;
  to: string;
  rate: number;
  dryRun?: boolean;
  checkpoint?: string;
  fresh?: boolean;
  json?: boolean;
}

const MAX_DATES = 3_660;

export function rateArgument(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new InvalidArgumentError(`"${value}" is not a rate between 0 and 100 dates per second.`);
  return n;
}

/** The calendar's dates in the range; a BigQuery calendar is read with the services' Google settings. */
async function scheduledDates(planning: LoadedPlanning, from: string, to: string): Promise<Set<string>> {
  let bigquery: BigQuery | undefined;
  if (planning.config.calendar.kind === 'bigquery') {
    const env = parseEnvironment({ GOOGLE_CLOUD_PROJECT: z.string().min(1), BIGQUERY_API_ENDPOINT: z.url().optional() });
    // Loaded only here: the other commands start faster without the BigQuery client.
    const { BigQuery: BigQueryClient } = await import('@google-cloud/bigquery');
    bigquery = new BigQueryClient({ projectId: env.GOOGLE_CLOUD_PROJECT, ...(env.BIGQUERY_API_ENDPOINT ? { apiEndpoint: env.BIGQUERY_API_ENDPOINT } : {}) });
  }
  return new Set(await calendarDates(planning, { from, to }, bigquery));
}

/** A bar in a terminal; elsewhere (CI, a log file) a plain line every few seconds. */
function progressReporter(total: number, quiet: boolean): { tick(done: number, last: DateResult): void; stop(): void } {
  if (quiet) return { tick: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ stream: process.stderr, format: 'backfill |{bar}| {value}/{total} dates | {last}', hideCursor: true });
    bar.start(total, 0, { last: '' });
    return { tick: (done, last) => bar.update(done, { last: `${last.gameDate} ${last.outcome}` }), stop: () => bar.stop() };
  }
  let lastLine = 0;
  return {
    tick(done, last) {
      if (Date.now() - lastLine < 2_000 && done < total) return;
      lastLine = Date.now();
      console.error(`backfill: ${done}/${total} dates, last ${last.gameDate} ${last.outcome}`);
    },
    stop: () => undefined,
  };
}

function counts(results: DateResult[]): Partial<Record<BackfillOutcome, number>> {
  const out: Partial<Record<BackfillOutcome, number>> = {};
  for (const r of results) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}

function printPlan(plans: DatePlan[]): void {
  console.log(renderTable(['date', 'evidence', 'action', 'transitions'], plans.map((p) => [p.gameDate, p.evidence, p.action, p.transitions.join(', ') || '-'])));
  console.log('Dry run: nothing was started, re-opened or written.');
}

function printSummary(results: DateResult[], interrupted: boolean, total: number): void {
  const byOutcome = new Map<BackfillOutcome, string[]>();
  for (const r of results) byOutcome.set(r.outcome, [...(byOutcome.get(r.outcome) ?? []), r.gameDate]);
  const examples = (dates: string[]) => (dates.length > 4 ? `${dates.slice(0, 4).join(', ')} …` : dates.join(', '));
  console.log(renderTable(['outcome', 'dates', 'examples'], [...byOutcome].map(([outcome, dates]) => [outcome, dates.length, examples(dates)])));
  const failures = results.filter((r) => r.outcome === 'failed');
  if (failures.length) console.log(renderTable(['failed date', 'error'], failures.map((f) => [f.gameDate, f.error ?? ''])));
  console.log(interrupted ? `Interrupted after ${results.length} of ${total} dates.` : `${results.length} dates, ${failures.length} failed.`);
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('start or re-drive every date of a range (which dates and transitions: from the calendar and each date\'s workflow)')
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD', gameDateArgument)
    .requiredOption('--to <date>', 'last date, YYYY-MM-DD', gameDateArgument)
    .option('--rate <n>', 'dates per second', rateArgument, 5)
    .option('--dry-run', 'print each date\'s evidence and action; change nothing')
    .option('--checkpoint <file>', 'where the dates done are kept (default .backfill/<from>_<to>.json)')
    .option('--fresh', 'ignore an existing checkpoint and start over')
    .option('--json', 'print the plan or the results as JSON')
    .addHelpText('after', '\nExample:\n  $ npm run operator -- backfill --from 2026-01-10 --to 2026-01-20 --rate 2\n  (Ctrl-C stops after the current date; the same command resumes from the checkpoint.)')
    .action(async (flags: BackfillFlags) => {
      if (flags.from > flags.to) throw new Error(`--from ${flags.from} is after --to ${flags.to}`);
      const dates = dateRange(flags.from, flags.to);
      if (dates.length > MAX_DATES) throw new Error(`${dates.length} dates is more than ${MAX_DATES}; split the range`);
      const planning = loadPlanning(process.env.PIPELINE_DEFINITION ?? DEFAULT_PIPELINE_DEFINITION_PATH, definition);
      // Without planned expectations a started or re-opened date would wait for a completion with no deadline.
      if (!planning || Object.keys(planning.config.expectations).length === 0) {
        throw new Error(`pipeline ${definition.pipeline} has no planning block with expectations: backfill needs its calendar and planned deadlines`);
      }
      const checkpointPath = flags.checkpoint ?? defaultCheckpointPath(flags.from, flags.to);
      const identity = { pipeline: definition.pipeline, from: flags.from, to: flags.to };
      const checkpoint = flags.fresh ? { ...identity, done: {}, updatedAt: new Date().toISOString() } : readCheckpoint(checkpointPath, identity);
      const alreadyDone = dates.filter((d) => checkpoint.done[d] !== undefined);
      const calendar = await scheduledDates(planning, flags.from, flags.to);
      const lastPlannedDate = addDays(calendarDateIn(definition.timeZone, Date.now()), planning.config.leadDays);
      const client = await connect();
      // On stderr: with --json, stdout holds the document only.
      const note = (line: string) => console.error(line);
      if (alreadyDone.length) note(`${alreadyDone.length} date(s) already done in ${checkpointPath}: skipped (--fresh starts over).`);

      if (flags.dryRun) {
        const plans: DatePlan[] = [];
        for (const gameDate of dates) {
          const plan = classifyDate(definition, gameDate, await readEvidence(client, definition.pipeline, gameDate, calendar), lastPlannedDate);
          plans.push(checkpoint.done[gameDate] ? { ...plan, action: 'skip-checkpointed', evidence: `${plan.evidence}; done in the checkpoint (${checkpoint.done[gameDate]})` } : plan);
        }
        if (flags.json) printJson({ ...identity, dryRun: true, checkpoint: checkpointPath, dates: plans });
        else printPlan(plans);
        return;
      }

      let interrupted = false;
      const stop = new AbortController();
      process.once('SIGINT', () => {
        interrupted = true;
        stop.abort();
        note('backfill: interrupt received; stopping after the current date (Ctrl-C again to quit at once).');
        process.once('SIGINT', () => process.exit(130));
      });

      const env = operatorEnv();
      const deps = { client, definition, planning, taskQueue: env.TEMPORAL_TASK_QUEUE, now: () => Date.now() };
      const results: DateResult[] = alreadyDone.map((gameDate) => ({ gameDate, action: 'skip-checkpointed', evidence: `done in the checkpoint (${checkpoint.done[gameDate]})`, transitions: [], outcome: 'skipped-checkpointed' }));
      const todo = dates.filter((d) => checkpoint.done[d] === undefined);
      const progress = progressReporter(dates.length, flags.json === true);
      const spacingMs = 1_000 / flags.rate;
      for (const gameDate of todo) {
        if (interrupted) break;
        const began = Date.now();
        const plan = classifyDate(definition, gameDate, await readEvidence(client, definition.pipeline, gameDate, calendar), lastPlannedDate);
        const result = await applyPlan(deps, plan);
        results.push(result);
        if (result.outcome !== 'failed') {
          checkpoint.done[gameDate] = result.outcome;
          writeCheckpoint(checkpointPath, checkpoint);
        }
        progress.tick(results.length, result);
        const wait = spacingMs - (Date.now() - began);
        if (wait > 0 && !interrupted) await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      }
      progress.stop();
      results.sort((a, b) => a.gameDate.localeCompare(b.gameDate));
      if (flags.json) printJson({ ...identity, dryRun: false, interrupted, checkpoint: checkpointPath, counts: counts(results), dates: results });
      else printSummary(results, interrupted, dates.length);
      if (interrupted) note(`Resume with the same command; the checkpoint is ${checkpointPath}.`);
      process.exitCode = interrupted ? 130 : results.some((r) => r.outcome === 'failed') ? 1 : 0;
    });
}
