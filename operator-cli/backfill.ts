/**
 * The backfill's decisions and bookkeeping: what each date of a range needs, from evidence (the planning
 * calendar and the date's workflow), and the checkpoint that makes an interrupted backfill resumable.
 * Starting a date goes through the planner's `startPlannedDate`, so a backfilled date is a planned date.
 *
 * | evidence | action |
 * |---|---|
 * | no workflow, date in the calendar | start it with the planned expectations |
 * | no workflow, date not in the calendar | skip (nothing says the date exists) |
 * | workflow running | leave it (it is already driven) |
 * | workflow closed, every transition settled | skip |
 * | workflow closed, some transition unsettled | re-open it: a new run restores the final state and re-decides the unsettled transitions |
 * | workflow closed, state unreadable | fail the date (left for an operator; not checkpointed) |
 * | done in the checkpoint of the same range | skip (a rerun resumes) |
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { datePriorityKey } from '../contract/date-priority';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { startPlannedDate } from '../watchdogs/planner-activities';
import type { LoadedPlanning } from '../watchdogs/planning';
import { gameDateWorkflowId } from '../workflows/game-date/messages';
import type { DateStarter } from '../workflows/game-date/start-metadata';
import { isTransitionSettled, transitionOf, withStateDefaults, type GameDateState } from '../workflows/game-date/state';
import { closedRunState } from './date-runs';

export type BackfillAction = 'start' | 'reopen' | 'leave-running' | 'skip-settled' | 'skip-not-scheduled' | 'skip-future' | 'skip-checkpointed' | 'fail-unreadable';

/** What a date needs and why. `transitions` are the ones the action drives (all of them for a start). */
export interface DatePlan {
  gameDate: string;
  action: BackfillAction;
  evidence: string;
  transitions: string[];
}

export type BackfillOutcome = 'started' | 'reopened' | 'left-running' | 'skipped-settled' | 'skipped-not-scheduled' | 'skipped-future' | 'skipped-checkpointed' | 'failed';

export interface DateResult extends DatePlan {
  outcome: BackfillOutcome;
  error?: string;
}

/** What is known about a date before deciding. */
export interface DateEvidence {
  /** Null when the pipeline has no calendar. */
  inCalendar: boolean | null;
  /** The latest run's status (`RUNNING`, `COMPLETED`, `TERMINATED` …), null when the date has no workflow. */
  workflowStatus: string | null;
  /** The closed run's final state, when it could be read. */
  finalState?: GameDateState;
  stateError?: string;
}

export function unsettledTransitions(definition: PipelineDefinition, state: GameDateState): string[] {
  return definition.transitions.filter((def) => !isTransitionSettled(def, transitionOf(state, def.name))).map((def) => def.name);
}

/**
 * `lastPlannedDate` is the latest date the planner would start today (today + its lead days): a later date
 * started now would reach the end of its lifetime before its games, so it is left to the planner.
 */
export function classifyDate(definition: PipelineDefinition, gameDate: string, evidence: DateEvidence, lastPlannedDate?: string): DatePlan {
  const plan = (action: BackfillAction, text: string, transitions: string[] = []): DatePlan => ({ gameDate, action, evidence: text, transitions });
  if (evidence.workflowStatus === null) {
    if (evidence.inCalendar === false) return plan('skip-not-scheduled', 'no workflow; not in the calendar');
    if (lastPlannedDate !== undefined && gameDate > lastPlannedDate) return plan('skip-future', `no workflow; after ${lastPlannedDate}, the planner starts it ahead of its games`);
    return plan('start', 'no workflow; in the calendar', definition.transitions.map((t) => t.name));
  }
  if (evidence.workflowStatus === 'RUNNING') return plan('leave-running', 'workflow running');
  const status = evidence.workflowStatus.toLowerCase();
  if (!evidence.finalState) return plan('fail-unreadable', `workflow ${status}; its state cannot be read: ${evidence.stateError ?? 'unknown error'}`);
  const open = unsettledTransitions(definition, withStateDefaults(evidence.finalState));
  if (open.length === 0) return plan('skip-settled', `workflow ${status}; every transition settled`);
  return plan('reopen', `workflow ${status}; ${open.length} transition(s) unsettled`, open);
}

/** Reads what a date's plan depends on; the final state of a closed run comes from its result, else by query (replay). */
export async function readEvidence(client: Client, pipeline: string, gameDate: string, calendar: Set<string> | null): Promise<DateEvidence> {
  const inCalendar = calendar ? calendar.has(gameDate) : null;
  const handle = client.workflow.getHandle(gameDateWorkflowId(pipeline, gameDate));
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { inCalendar, workflowStatus: null };
    throw error;
  }
  const workflowStatus = description.status.name;
  if (workflowStatus === 'RUNNING') return { inCalendar, workflowStatus };
  try {
    const finalState = await closedRunState(client, description.workflowId, { runId: description.runId, status: workflowStatus });
    return { inCalendar, workflowStatus, finalState };
  } catch (error) {
    return { inCalendar, workflowStatus, stateError: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

export interface ApplyDeps {
  client: Client;
  definition: PipelineDefinition;
  planning: LoadedPlanning;
  taskQueue: string;
  now: () => number;
}

/** The Web UI's static details of a date the backfill starts or re-opens. */
const backfillStarter: DateStarter = { kind: 'operator', actor: userInfo().username, reason: 'backfill of its range', command: 'backfill' };

/** Carries out a plan. A started or re-opened date gets the backlog's priority when it is old enough. */
export async function applyPlan(deps: ApplyDeps, plan: DatePlan): Promise<DateResult> {
  const priorityKey = datePriorityKey(plan.gameDate, deps.now(), deps.definition.timeZone);
  try {
    switch (plan.action) {
      case 'start':
        await startPlannedDate(deps, plan.gameDate, { priorityKey, starter: backfillStarter });
        return { ...plan, outcome: 'started' };
      case 'reopen':
        await startPlannedDate(deps, plan.gameDate, { priorityKey, reopenClosed: true, starter: backfillStarter });
        return { ...plan, outcome: 'reopened' };
      case 'leave-running':
        return { ...plan, outcome: 'left-running' };
      case 'skip-settled':
        return { ...plan, outcome: 'skipped-settled' };
      case 'skip-not-scheduled':
        return { ...plan, outcome: 'skipped-not-scheduled' };
      case 'skip-future':
        return { ...plan, outcome: 'skipped-future' };
      case 'skip-checkpointed':
        return { ...plan, outcome: 'skipped-checkpointed' };
      case 'fail-unreadable':
        return { ...plan, outcome: 'failed', error: plan.evidence };
    }
  } catch (error) {
    return { ...plan, outcome: 'failed', error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

/** The dates a backfill finished (failures are not: a rerun tries them again). */
export interface Checkpoint {
  pipeline: string;
  from: string;
  to: string;
  done: Record<string, BackfillOutcome>;
  updatedAt: string;
}

export function defaultCheckpointPath(from: string, to: string): string {
  return `.backfill/${from}_${to}.json`;
}

export function readCheckpoint(path: string, expected: { pipeline: string; from: string; to: string }): Checkpoint {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...expected, done: {}, updatedAt: new Date(0).toISOString() };
    throw error;
  }
  const parsed = JSON.parse(raw) as Partial<Checkpoint>;
  if (parsed.pipeline !== expected.pipeline || parsed.from !== expected.from || parsed.to !== expected.to || typeof parsed.done !== 'object' || parsed.done === null) {
    throw new Error(`checkpoint ${path} belongs to ${parsed.pipeline ?? '?'} ${parsed.from ?? '?'}..${parsed.to ?? '?'}, not ${expected.pipeline} ${expected.from}..${expected.to}; pass another --checkpoint or --fresh`);
  }
  return parsed as Checkpoint;
}

/** Written whole to a temporary file and renamed: an interrupt never leaves half a checkpoint. */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ ...checkpoint, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  renameSync(temporary, path);
}
