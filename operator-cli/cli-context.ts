/**
 * What every operator command shares: the pipeline definition, argument parsers that reject bad input with one
 * line, the environment (read when a command runs, so `--help` works anywhere) and the Temporal connection.
 */
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
