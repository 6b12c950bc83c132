/**
 * What every operator command shares: the pipeline definition, argument parsers that reject bad input with one
 * line, the environment (read when a command runs, so `--help` works anywhere) and the Temporal connection.
 */
import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { isCalendarDate } from '../contract/completion-fields';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { parseEnvironment, temporalEnvShape } from '../service/environment-schema';
import { connectTemporalClient } from '../service/temporal-connection';

export const definition = loadPipelineDefinition();
export const transitionNames = definition.transitions.map((t) => t.name);

export function gameDateArgument(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`"${value}" is not a YYYY-MM-DD game date.`);
  return value;
}

export function transitionArgument(value: string): string {
  if (!transitionNames.includes(value)) throw new InvalidArgumentError(`unknown transition "${value}"; expected one of ${transitionNames.join(', ')}.`);
  return value;
}

const operatorEnvShape = {
  ...temporalEnvShape,
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233').describe('Temporal Web UI, for links to a date'),
};

export function operatorEnv(): z.infer<z.ZodObject<typeof operatorEnvShape>> {
  return parseEnvironment(operatorEnvShape);
}

export function connect(): Promise<Client> {
  return connectTemporalClient(operatorEnv());
}

/** `--json` output: one document on stdout, nothing else. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Who acts when `--actor` is not given: the OS user running the command. */
export function defaultActor(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/** `--help` text after the options: one example per command. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ npm run operator -- ${line}`).join('\n')}\n`;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, grey: 90, bold: 1 } as const;

/** Colour only on a terminal: piped output and files stay plain text. */
export function paint(colour: keyof typeof ANSI, text: string): string {
  return process.stdout.isTTY ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
}

/** A bad combination of arguments found once a command runs: one line on stderr, exit 2, like commander's own. */
export class UsageError extends Error {
  override name = 'UsageError';
}
