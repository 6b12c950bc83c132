/**
 * `npm run drift`: the deployment drift check on its own (CI runs it this way); `npm run operator -- drift` is
 * the same command (operator-cli/commands/drift-command.ts). Exit 0 current, 1 drift, 2 cannot check.
 *   npm run drift -- --expected origin/main --max-age 24 --health bridge=http://127.0.0.1:8092/health --json
 */
import { Command } from 'commander';
import { configureDriftCommand } from './commands/drift-command';

const program = configureDriftCommand(new Command('drift')).exitOverride();

program.parseAsync().then(
  () => process.exit(),
  (error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed') process.exit(0);
    if (!code?.startsWith('commander.')) console.error(`drift: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(2);
  },
);
