/** `status DATE | --from D --to D`: each date's transitions, missing processors, next deadline, last alert and operator action. */
import type { Command } from 'commander';
import { connect, definition, examples, gameDateArgument, operatorEnv, printJson, UsageError } from '../cli-context';
import { formatDateRun, dateRunsTable } from '../date-status-report';
import { dateRange, readDate, readRange } from '../date-runs';

/** A range is one table; a season (about 250 days) is the most that still reads as one. */
const MAX_RANGE_DAYS = 400;

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a date's transitions, missing processors, next deadline, last alert and operator actions (running or closed), or a range as one table")
    .argument('[game-date]', 'YYYY-MM-DD', gameDateArgument)
    .option('--from <date>', 'first date of a range', gameDateArgument)
    .option('--to <date>', 'last date of a range (default: --from)', gameDateArgument)
    .option('--json', 'print the dates as JSON')
    .addHelpText('after', examples('status 2026-01-15', 'status --from 2026-01-10 --to 2026-01-16', 'status 2026-01-15 --json'))
    .action(async (gameDate: string | undefined, flags: { from?: string; to?: string; json?: boolean }) => {
      if (gameDate && (flags.from || flags.to)) throw new UsageError('give either a date or --from/--to, not both.');
      if (!gameDate && !flags.from) throw new UsageError('give a date, or a range with --from (and --to).');
      const client = await connect();
      if (gameDate) {
        const run = await readDate(client, definition, gameDate);
        if (flags.json) printJson(run);
        else console.log(formatDateRun(run, operatorEnv().TEMPORAL_UI_URL));
        return;
      }
      const from = flags.from as string;
      const to = flags.to ?? from;
      if (to < from) throw new UsageError(`--to ${to} is before --from ${from}.`);
      if (dateRange(from, to).length > MAX_RANGE_DAYS) throw new UsageError(`a range is at most ${MAX_RANGE_DAYS} days.`);
      const runs = await readRange(client, definition, from, to);
      if (flags.json) printJson(runs);
      else console.log(dateRunsTable(runs));
    });
}
