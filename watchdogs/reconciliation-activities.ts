/**
 * Reconciliation: every game-date workflow of the pipeline that visibility still knows (running and closed,
 * every date ever planned or signalled) is compared with its projections, and what is missing or stale is
 * rewritten from the workflow state through the same idempotent writers the workflow uses.
 *
 * Cost per run, whatever the number of dates: one visibility listing, one query (or result) per date, one
 * Firestore `getAll` per 300 documents, and one BigQuery query per table selecting only keys and flags for
 * the set of dates. Items a running date has not written yet (pending in its state, or changed in the last
 * few minutes) are left for the next run, so reconciliation never races the workflow's own writer.
 *
 * With a planning calendar it also checks every past date of the calendar (all seasons it holds, one query,
 * `calendar-gaps.ts`): a date with neither a workflow in visibility nor a `phase_execution_log` row never ran
 * at all (nothing arrived, and the planner missed it or its workflow aged out of retention). Such a gap is a
 * `calendar_date_unrecorded` discrepancy; once the workflow has alerted it, `recordUnrecordedDates` writes
 * the date's `unrecorded` log row, so the next run finds a row and does not alert it again.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import type { DocumentData, Firestore } from '@google-cloud/firestore';
import { heartbeat } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { CompletionRow, CompletionStatusRow, ExecutionLogRow, FirestoreProjectionInput, TransitionActivities } from '../activities/activity-contracts';
import { calendarDateIn } from '../contract/game-date-mode';
import { PHASE_COMPLETIONS_VIEW, PHASE_COMPLETION_STATUS_TABLE, PHASE_EXECUTION_LOG_VIEW } from '../activities/bigquery-schema';
import type { PipelineDefinition, TransitionDefinition } from '../contract/pipeline-definition';
import { GAME_DATE_WORKFLOW_TYPE } from '../workflows/game-date/messages';
import { gameDateStateQuery } from '../workflows/game-date/internal-messages';
import { completionStatusRow, firestoreProjection } from '../workflows/game-date/records';
import { withStateDefaults, type GameDateState, type TransitionState } from '../workflows/game-date/state';
import type { Discrepancy, ReconcileInput, ReconcileResult, RecordUnrecordedInput } from '../workflows/watchdogs/watchdog-contracts';
import { calendarCoverage, type CalendarCoverage } from './calendar-gaps';
import type { LoadedPlanning } from './planning';

export type ProjectionWriters = Pick<TransitionActivities, 'projectCompletionDocument' | 'recordCompletionRows' | 'recordExecutionLog' | 'upsertCompletionStatus'>;

export interface ReconciliationDeps {
  client: Client;
  definition: PipelineDefinition;
  firestore: Firestore;
  bigquery: BigQuery;
  datasetId: string;
  /** The workflow's own idempotent writers (from `createActivities`). */
  writers: ProjectionWriters;
  /** The planning calendar whose past dates must each have a workflow or a log row; null: no such check. */
  planning?: LoadedPlanning | null;
  /** A running date changed this recently is checked next time (default 2 minutes). */
  settleMs?: number;
  /** Dates read in parallel (default 8). */
  concurrency?: number;
}

const MAX_DETAILS = 200;
const FIRESTORE_BATCH = 300;

interface DateRun {
  gameDate: string;
  info: WorkflowExecutionInfo;
}

/** What the state says each store must hold for one date. */
interface Expected {
  gameDate: string;
  documents: FirestoreProjectionInput[];
  logRows: ExecutionLogRow[];
  completionRows: CompletionRow[];
  statusRows: CompletionStatusRow[];
}

export function createReconciler(deps: ReconciliationDeps): (input: ReconcileInput) => Promise<ReconcileResult> {
  if (!/^[A-Za-z0-9_]+$/.test(deps.datasetId)) throw new Error(`BigQuery dataset id "${deps.datasetId}" is not a plain dataset name`);
  const { definition } = deps;
  const idPattern = new RegExp(`^${definition.pipeline.replace(/[-]/g, '\\-')}-game-date-(\\d{4}-\\d{2}-\\d{2})$`);

  return async function reconcileGameDates({ dryRun, now, from, to }: ReconcileInput): Promise<ReconcileResult> {
    const inRange = (gameDate: string) => (!from || gameDate >= from) && (!to || gameDate <= to);
    const discrepancies: Discrepancy[] = [];
    const found = (d: Omit<Discrepancy, 'repaired'>) => {
      const entry: Discrepancy = { ...d, repaired: false };
      discrepancies.push(entry);
      return entry;
    };

    const runs = (await latestRunPerDate(deps.client, idPattern)).filter((r) => inRange(r.gameDate));
    heartbeat({ stage: 'listed', dates: runs.length });
    const expected: Expected[] = [];
    await forEachLimited(runs, deps.concurrency ?? 8, async (run) => {
      try {
        const state = await readState(deps.client, run);
        const settled = run.info.status.name !== 'RUNNING' || now - state.lastActivityAt >= (deps.settleMs ?? 120_000);
        if (settled) expected.push(expectedFor(definition, state, now));
      } catch (error) {
        found({ gameDate: run.gameDate, transition: null, kind: 'state_unreadable', detail: `The state of ${run.info.workflowId} (run ${run.info.runId}, ${run.info.status.name}) cannot be read: ${(error as Error).message}` });
      }
      heartbeat({ stage: 'reading', gameDate: run.gameDate });
    });
    expected.sort((a, b) => a.gameDate.localeCompare(b.gameDate));
    const dates = expected.map((e) => e.gameDate);

    const [documents, logKeys, completionKeys, statusRows, coverage] = await Promise.all([
      readDocuments(deps.firestore, expected.flatMap((e) => e.documents)),
      readKeys(deps.bigquery, deps.datasetId, PHASE_EXECUTION_LOG_VIEW, dates),
      readKeys(deps.bigquery, deps.datasetId, PHASE_COMPLETIONS_VIEW, dates),
      readStatusRows(deps.bigquery, deps.datasetId, dates),
      deps.planning
        ? calendarCoverage(deps.planning, { before: calendarDateIn(definition.timeZone, now), pipeline: definition.pipeline, datasetId: deps.datasetId }, deps.bigquery)
        : Promise.resolve(null),
    ]);
    heartbeat({ stage: 'compared' });

    const repairs: { discrepancy: Discrepancy; write: () => Promise<unknown> }[] = [];
    const checked = { firestoreDocuments: 0, executionLogRows: 0, completionRows: 0, statusRows: 0 };
    for (const e of expected) {
      for (const doc of e.documents) {
        checked.firestoreDocuments++;
        const transition = definition.transitions.find((t) => t.firestoreCollection === doc.collection)?.name ?? null;
        const problem = documentProblem(documents.get(`${doc.collection}/${doc.gameDate}`), doc);
        if (problem) {
          const d = found({ gameDate: e.gameDate, transition, kind: problem.kind, detail: `Firestore ${doc.collection}/${doc.gameDate}: ${problem.detail}` });
          repairs.push({ discrepancy: d, write: () => deps.writers.projectCompletionDocument({ ...doc, meta: { ...doc.meta, _last_update: new Date(now).toISOString() } }) });
        }
      }
      for (const row of e.logRows) {
        checked.executionLogRows++;
        if (!logKeys.has(row.rowKey)) {
          const d = found({ gameDate: e.gameDate, transition: row.phase_name, kind: 'execution_log_missing', detail: `phase_execution_log has no row ${row.rowKey} (status ${row.status})` });
          repairs.push({ discrepancy: d, write: () => deps.writers.recordExecutionLog(row) });
        }
      }
      for (const row of e.completionRows) {
        checked.completionRows++;
        if (!completionKeys.has(row.rowKey)) {
          const transition = definition.transitions.find((t) => t.phase === row.phase)?.name ?? null;
          const d = found({ gameDate: e.gameDate, transition, kind: 'completion_row_missing', detail: `phase_completions has no row ${row.rowKey} (${row.processor_name}, ${row.status})` });
          repairs.push({ discrepancy: d, write: () => deps.writers.recordCompletionRows([row]) });
        }
      }
      for (const row of e.statusRows) {
        checked.statusRows++;
        const stored = statusRows.get(`${row.phase}/${row.game_date}`);
        const problem = !stored
          ? { kind: 'status_row_missing' as const, detail: 'no row' }
          : stored.is_triggered !== row.is_triggered || stored.completed_count !== row.completed_count
            ? { kind: 'status_row_stale' as const, detail: `stored is_triggered=${stored.is_triggered} completed_count=${stored.completed_count}, state says ${row.is_triggered} and ${row.completed_count}` }
            : null;
        if (problem) {
          const d = found({ gameDate: e.gameDate, transition: row.phase, kind: problem.kind, detail: `phase_completion_status (${row.phase}, ${row.game_date}): ${problem.detail}` });
          repairs.push({ discrepancy: d, write: () => deps.writers.upsertCompletionStatus(row) });
        }
      }
    }

    // After the repairs, so a capped detail list keeps those first; a gap left out is found again next run.
    const gaps = coverage ? unrecordedGaps(coverage, new Set(runs.map((r) => r.gameDate))).filter(inRange) : [];
    for (const gameDate of gaps) {
      found({
        gameDate,
        transition: null,
        kind: 'calendar_date_unrecorded',
        detail: `The calendar (${coverage?.source}) lists ${gameDate}, but Temporal has no workflow ${definition.pipeline}-game-date-${gameDate} and phase_execution_log no row for it: nothing was ever received or planned for this date`,
      });
    }

    if (!dryRun) {
      for (const repair of repairs) {
        try {
          await repair.write();
          repair.discrepancy.repaired = true;
        } catch (error) {
          repair.discrepancy.repairError = (error as Error).message;
        }
        heartbeat({ stage: 'repairing' });
      }
    }
    return {
      dryRun,
      dates: runs.length,
      checked,
      discrepancies: discrepancies.length,
      repaired: discrepancies.filter((d) => d.repaired).length,
      failedRepairs: discrepancies.filter((d) => d.repairError !== undefined || d.kind === 'state_unreadable').length,
      details: discrepancies.slice(0, MAX_DETAILS),
      truncated: discrepancies.length > MAX_DETAILS,
      calendar: coverage ? { source: coverage.source, dates: coverage.dates, unrecorded: gaps.length } : null,
    };
  };
}

/** Calendar dates without a log row, minus those with a workflow (running, or closed and still in visibility). */
function unrecordedGaps(coverage: CalendarCoverage, withWorkflow: Set<string>): string[] {
  return coverage.unlogged.filter((d) => !withWorkflow.has(d));
}

/** The row that remembers an alerted gap; its key is per date, so recording it twice writes one row. */
export function unrecordedLogRow(definition: PipelineDefinition, gameDate: string, now: number): ExecutionLogRow {
  const at = new Date(now).toISOString();
  return {
    rowKey: `${definition.pipeline}:${gameDate}:calendar:unrecorded`,
    execution_timestamp: at,
    // The date's first transition: where nothing arrived.
    phase_name: definition.transitions[0]?.name ?? 'unknown',
    game_date: gameDate,
    correlation_id: `${definition.pipeline}:${gameDate}`,
    start_time: at,
    duration_seconds: 0,
    games_processed: 0,
    status: 'unrecorded',
    metadata: { recorded_by: 'reconciliation', reason: 'calendar_date_unrecorded', detail: 'a date of the planning calendar with no workflow and no phase_execution_log row' },
  };
}

/** Writes the `unrecorded` log row of each alerted gap (one insert job per date: at most one alert cap per run). */
export function createUnrecordedDateRecorder(deps: { definition: PipelineDefinition; writers: Pick<ProjectionWriters, 'recordExecutionLog'> }): (input: RecordUnrecordedInput) => Promise<{ recorded: string[] }> {
  return async function recordUnrecordedDates({ gameDates, now }: RecordUnrecordedInput): Promise<{ recorded: string[] }> {
    for (const gameDate of gameDates) await deps.writers.recordExecutionLog(unrecordedLogRow(deps.definition, gameDate, now));
    return { recorded: gameDates };
  };
}

/** Every date's latest run (a continued-as-new chain is one date; its newest run holds the state). */
async function latestRunPerDate(client: Client, idPattern: RegExp): Promise<DateRun[]> {
  const latest = new Map<string, DateRun>();
  for await (const info of client.workflow.list({ query: `WorkflowType = '${GAME_DATE_WORKFLOW_TYPE}'` })) {
    const gameDate = idPattern.exec(info.workflowId)?.[1];
    if (!gameDate) continue;
    const current = latest.get(info.workflowId);
    if (!current || info.startTime.getTime() > current.info.startTime.getTime()) latest.set(info.workflowId, { gameDate, info });
  }
  return [...latest.values()];
}

async function readState(client: Client, run: DateRun): Promise<GameDateState> {
  const handle = client.workflow.getHandle(run.info.workflowId, run.info.runId);
  // A completed run's result is its final state; any other run answers the state query (by replay if closed).
  const state = run.info.status.name === 'COMPLETED' ? ((await handle.result()) as GameDateState) : await handle.query(gameDateStateQuery);
  return withStateDefaults(state);
}

function touched(transition: TransitionState | undefined): transition is TransitionState {
  return !!transition && (transition.appliedRuns.length > 0 || Object.keys(transition.rounds).length > 0 || transition.skipped !== null);
}

/** The projections a date's state implies, minus what its workflow has still queued to write. */
export function expectedFor(definition: PipelineDefinition, state: GameDateState, now: number): Expected {
  const pendingLogs = new Set(state.pendingLogRows.map((r) => r.rowKey));
  const pendingCompletions = new Set(state.pendingCompletionRows.map((r) => r.rowKey));
  const out: Expected = { gameDate: state.gameDate, documents: [], logRows: [], completionRows: [], statusRows: [] };
  for (const def of definition.transitions) {
    const transition = state.transitions[def.name];
    if (!touched(transition)) continue;
    if (!state.dirtyProjections.includes(def.name)) {
      const doc = firestoreProjection(def, state, now);
      if (doc) out.documents.push(doc);
    }
    if (!state.dirtyStatusRows.includes(def.name)) out.statusRows.push(completionStatusRow(def, state));
    for (const runKey of transition.appliedRuns) {
      const row = completionRowFor(state, def, transition, runKey);
      if (!pendingCompletions.has(row.rowKey)) out.completionRows.push(row);
    }
  }
  out.logRows = state.executionLog.filter((r) => !pendingLogs.has(r.rowKey));
  return out;
}

/**
 * Rebuilds a `phase_completions` row from the state. The row key is exact (the workflow derives it the same
 * way); content the state no longer holds (a superseded run's counts) is marked as reconstructed.
 */
function completionRowFor(state: GameDateState, def: TransitionDefinition, transition: TransitionState, runKey: string): CompletionRow {
  const first = runKey.indexOf(':');
  const last = runKey.lastIndexOf(':');
  const name = runKey.slice(0, first);
  const executionId = runKey.slice(first + 1, last);
  const status = runKey.slice(last + 1);
  const processor = Object.values(transition.processors).find((p) => p.key === name && p.executionId === executionId && p.status === status);
  return {
    rowKey: `${state.pipeline}:${state.gameDate}:${def.name}:${runKey}`,
    phase: def.phase,
    game_date: state.gameDate,
    processor_name: name,
    status,
    record_count: processor?.recordCount ?? 0,
    correlation_id: processor?.correlationId ?? `${state.pipeline}:${state.gameDate}`,
    execution_id: executionId,
    completed_at: processor?.completedAt ?? new Date(transition.firstCompletionAt ?? state.startedAt).toISOString(),
    is_incremental: processor?.isIncremental ?? false,
    entities_changed: processor?.entitiesChanged ?? [],
    metadata: { restored_by: 'reconciliation', ...(processor ? {} : { reconstructed: true }) },
  };
}

function documentProblem(stored: DocumentData | undefined, expected: FirestoreProjectionInput): { kind: 'firestore_missing' | 'firestore_stale'; detail: string } | null {
  if (!stored) return { kind: 'firestore_missing', detail: 'document missing' };
  const missing = Object.keys(expected.processors).filter((name) => typeof stored[name] !== 'object' || stored[name] === null);
  if (missing.length) return { kind: 'firestore_stale', detail: `processors missing from the document: ${missing.join(', ')}` };
  if (expected.meta._triggered && stored._triggered !== true) return { kind: 'firestore_stale', detail: '_triggered is not true although the trigger was published' };
  if (stored._completed_count !== expected.meta._completed_count) {
    return { kind: 'firestore_stale', detail: `_completed_count is ${String(stored._completed_count)}, state says ${expected.meta._completed_count}` };
  }
  return null;
}

async function readDocuments(firestore: Firestore, docs: FirestoreProjectionInput[]): Promise<Map<string, DocumentData>> {
  const out = new Map<string, DocumentData>();
  for (let i = 0; i < docs.length; i += FIRESTORE_BATCH) {
    const refs = docs.slice(i, i + FIRESTORE_BATCH).map((d) => firestore.collection(d.collection).doc(d.gameDate));
    if (refs.length === 0) continue;
    const snapshots = await firestore.getAll(...refs);
    for (const snapshot of snapshots) {
      const data = snapshot.exists ? snapshot.data() : undefined;
      if (data) out.set(`${snapshot.ref.parent.id}/${snapshot.id}`, data);
    }
  }
  return out;
}

/** The dates travel as one array parameter; the range bound keeps partition pruning on `game_date`. */
function dateFilter(dates: string[]): { where: string; params: Record<string, unknown>; types: Record<string, unknown> } {
  return {
    where: `game_date BETWEEN CAST(@first AS DATE) AND CAST(@last AS DATE) AND CAST(game_date AS STRING) IN UNNEST(@dates)`,
    params: { first: dates[0], last: dates[dates.length - 1], dates },
    types: { first: 'STRING', last: 'STRING', dates: ['STRING'] },
  };
}

async function readKeys(bigquery: BigQuery, datasetId: string, table: string, dates: string[]): Promise<Set<string>> {
  if (dates.length === 0) return new Set();
  const filter = dateFilter(dates);
  const [rows] = await bigquery.query({ query: `SELECT row_key FROM \`${datasetId}.${table}\` WHERE ${filter.where}`, params: filter.params, types: filter.types } as Parameters<BigQuery['query']>[0]);
  return new Set((rows as { row_key: string | null }[]).map((r) => r.row_key ?? ''));
}

async function readStatusRows(bigquery: BigQuery, datasetId: string, dates: string[]): Promise<Map<string, { is_triggered: boolean; completed_count: number }>> {
  if (dates.length === 0) return new Map();
  const filter = dateFilter(dates);
  const [rows] = await bigquery.query({
    query: `SELECT phase, CAST(game_date AS STRING) AS game_date, is_triggered, completed_count FROM \`${datasetId}.${PHASE_COMPLETION_STATUS_TABLE}\` WHERE ${filter.where}`,
    params: filter.params,
    types: filter.types,
  } as Parameters<BigQuery['query']>[0]);
  return new Map(
    (rows as { phase: string; game_date: string; is_triggered: boolean | null; completed_count: number | string | null }[]).map((r) => [
      `${r.phase}/${r.game_date}`,
      { is_triggered: r.is_triggered === true, completed_count: Number(r.completed_count ?? 0) },
    ]),
  );
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}
