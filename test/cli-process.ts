/** Runs one of the project's command-line tools as a real subprocess, the way an operator would. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../local-stack/service-process';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `script` is relative to the project; `cwd` defaults to the project too. Never rejects: the exit code is the result. */
export async function runCli(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const { stdout, stderr } = await run(tsx, [path.join(PROJECT_ROOT, script), ...args], { cwd: options.cwd ?? PROJECT_ROOT, env: options.env ?? process.env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Partial<CliResult> & { code?: number | string };
    if (typeof failed.code !== 'number') throw error; // it did not run at all (timeout, missing tsx)
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
