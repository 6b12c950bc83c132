/**
 * The workflow bundle, built at every worker start in a short-lived child process: webpack run inside the
 * worker left its memory behind for the worker's whole life. Built from the source at each start, so
 * it can never be stale. Run as a script, this file is the child: it bundles and sends the code back.
 */
import { fork } from 'node:child_process';
import { bundleWorkflowCode, type LogLevel } from '@temporalio/worker';
import { createServiceLogger, temporalLogger } from '../service/logger';

/** Bundles `workflowsPath` in a child process and returns the code. */
export function bundleWorkflowsInChild(workflowsPath: string, logLevel: LogLevel): Promise<{ code: string }> {
  return new Promise((resolve, reject) => {
    // From source the child needs tsx's hook too; nothing else of this process's flags (an --inspect port, say).
    const execArgv = __filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
    const child = fork(__filename, [workflowsPath, logLevel], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let code: string | undefined;
    child.once('message', (message) => {
      if (typeof message === 'string') code = message;
    });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      if (exitCode === 0 && code) resolve({ code });
      else reject(new Error(`workflow bundling failed (bundler process exited with ${exitCode ?? signal}); see its output above`));
    });
  });
}

const log = createServiceLogger('workflow-bundler');

async function runChild(): Promise<void> {
  const [workflowsPath, logLevel] = process.argv.slice(2) as [string, LogLevel];
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: temporalLogger(log, logLevel) });
  await new Promise<void>((resolve, reject) => process.send!(code, (error: Error | null) => (error ? reject(error) : resolve())));
}

if (require.main === module) {
  process.once('disconnect', () => process.exit(0)); // the worker is gone; nobody waits for the bundle
  runChild().then(
    () => process.exit(0),
    (error: unknown) => {
      log.fatal(`workflow bundling failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
