/** A pipeline of its own for an operator CLI test: its definition file (with a file calendar) and the CLI's environment. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDefinition } from '../../contract/pipeline-definition';
import { addDays } from '../../watchdogs/planning';
import { planningWith } from '../watchdogs/watchdog-test-kit';

/** `count` consecutive dates in the 1970s, at a random offset: no other test uses them. */
export function pastDates(count: number): string[] {
  const start = addDays('1970-01-01', Math.floor(Math.random() * 3_000));
  return Array.from({ length: count }, (_, i) => addDays(start, i));
}

/** Writes `definition` with a planning block whose calendar lists `calendar`; returns the file and its planning. */
export function pipelineFile(definition: PipelineDefinition, calendar: string[]): { path: string; planning: ReturnType<typeof planningWith> } {
  const expectations = { phase2_to_phase3: { dayOffset: 1, localTime: '06:00' } };
  const planning = planningWith(definition, calendar, expectations);
  const path = join(planning.baseDir, 'pipeline.json');
  const block = { season: { start: '1950-01-01', end: '2040-12-31' }, calendar: { kind: 'file', path: 'calendar.json' }, leadDays: 1, lookbackDays: 1, expectations };
  writeFileSync(path, JSON.stringify({ ...definition, planning: block }, null, 2));
  return { path, planning };
}

export function cliEnv(definitionPath: string, taskQueue: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PIPELINE_DEFINITION: definitionPath, TEMPORAL_TASK_QUEUE: taskQueue, ...extra };
}
