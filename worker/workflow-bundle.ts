/**
 * The workflow bundle. A build (`npm run build`) writes it beside the compiled workflows, and a worker started
 * from the build loads that file. From source it is built at every start, so it can never be stale, in a
 * short-lived child process: webpack inside the worker leaves its memory behind for the worker's whole life.
 * Run as a script, this file is the child: it bundles and sends the code back.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type LogLevel } from '@temporalio/worker';
import { createServiceLogger, temporalLogger } from '../service/logger';

/** The bundle the build wrote beside the compiled workflows (release/build.ts), when this worker runs from a build. */
export function prebuiltWorkflowBundle(): Promise<{ codePath: string }> | null {
  const codePath = path.join(__dirname, '..', 'workflows', 'workflow-bundle.js');
  return !__filename.endsWith('.ts') && existsSync(codePath) ? Promise.resolve({ codePath }) : null;
}

/**
 * The workflow interceptor modules of every bundle the project builds (worker, build, tests), given the workflows'
 * entry file: the tracing interceptors beside it, so a recorded history replays against what production runs.
 */
export function workflowInterceptorModules(workflowsPath: string): string[] {
  return [path.join(path.dirname(workflowsPath), `tracing-interceptors${path.extname(workflowsPath)}`)];
}

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
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowInterceptorModules(workflowsPath), logger: temporalLogger(log, logLevel) });
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
