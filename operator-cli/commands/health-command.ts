/** `health`: every process's `/health` in one table; exit 1 when any is not healthy. */
import type { Command } from 'commander';
import { renderTable } from '../cli-table';
import { printJson } from '../cli-context';
import { healthEndpoints, namedUrlArgument, type NamedUrl } from '../health-endpoints';
import { formatUptime, probeHealth } from '../health-report';

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("every process's /health in one table (default: WATCHDOG_HEALTH_URLS, as the health watchdog)")
    .option('--url <name=url>', "a process's /health (repeatable)", namedUrlArgument)
    .option('--json', 'print the rows as JSON')
    .addHelpText('after', '\nExample:\n  $ npm run operator -- health --url bridge=http://127.0.0.1:8092/health --url worker=http://127.0.0.1:8093/health')
    .action(async (flags: { url?: NamedUrl[]; json?: boolean }) => {
      const endpoints = healthEndpoints(flags.url);
      if (endpoints.length === 0) throw new Error('no /health URL: pass --url name=URL or set WATCHDOG_HEALTH_URLS');
      const rows = await Promise.all(endpoints.map((e) => probeHealth(e)));
      if (flags.json) printJson(rows);
      else {
        console.log(
          renderTable(
            ['process', 'status', 'http', 'build', 'uptime', 'details'],
            rows.map((r) => [r.name, r.status, r.httpStatus ?? '-', r.build?.slice(0, 12) ?? '-', formatUptime(r.uptimeSeconds), r.details]),
          ),
        );
      }
      process.exitCode = rows.every((r) => r.status === 'healthy') ? 0 : 1;
    });
}
