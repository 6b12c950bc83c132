/** Reads a pipeline definition file for processes (worker, bridge, CLI); workflows receive it as input instead. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePipelineDefinition, type PipelineDefinition } from './pipeline-definition';

export const DEFAULT_PIPELINE_DEFINITION_PATH = resolve(__dirname, '..', 'pipelines', 'nba.json');

/** `PIPELINE_DEFINITION` names another definition file; the default is the NBA pipeline. */
export function loadPipelineDefinition(path = process.env.PIPELINE_DEFINITION ?? DEFAULT_PIPELINE_DEFINITION_PATH): PipelineDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read pipeline definition ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parsePipelineDefinition(raw, `pipeline definition ${path}`);
}

/** The SHA-256 of a definition file's bytes: what a process reports in /health and drift detection compares. */
export function definitionSha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function definitionFileSha256(path = process.env.PIPELINE_DEFINITION ?? DEFAULT_PIPELINE_DEFINITION_PATH): string {
  return definitionSha256(readFileSync(path));
}
