/**
 * The writer loop: delivers every queued alert, Firestore projection and BigQuery row of a date, in the order
 * they were queued. It runs beside the decision loop, so a store outage never delays a trigger; a store that
 * stays down is alerted once, retried with back-off, and told again when it recovers.
 */
import { ActivityFailure, ApplicationFailure, condition, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Alert, DateRecordsFailureDetails, DateRecordsPart, ExecutionLogRow, TransitionActivities } from '../../activities/activity-contracts';
import { RetryableActivityErrors } from '../../activities/activity-error-types';
import { alertOptions, backlogDateRecordsOptions, bigQueryOptions, dateRecordsOptions, firestoreOptions } from '../../activities/retry-policies';
import { describeFailure } from '../activity-failure-text';
import { raise } from './alerts';
import { isBacklogDate, transitionDefinition, type DateContext } from './date-context';
import { MINUTE } from './deadlines';
import { plural } from './current-details';
import { completionStatusRow, firestoreProjection } from './records';
import { hasPendingWrites } from './state';

const { projectCompletionDocument } = proxyActivities<TransitionActivities>(firestoreOptions);
const { recordCompletionRows, recordExecutionLog, upsertCompletionStatus } = proxyActivities<TransitionActivities>(bigQueryOptions);
const { writeDateRecords } = proxyActivities<TransitionActivities>(dateRecordsOptions);
const { writeDateRecords: writeBacklogDateRecords } = proxyActivities<TransitionActivities>(backlogDateRecordsOptions);
const { sendAlert } = proxyActivities<TransitionActivities>(alertOptions);

const MIN_WRITE_RETRY_MS = MINUTE;
const MAX_WRITE_RETRY_MS = 15 * MINUTE;
const WRITE_BATCH_WINDOW_MS = 2_000;
/**
 * A backfill's date gathers longer: nobody waits for its rows, its completions arrive spread over the backlog's
 * ingest, and each pass costs the date's history an activity and a timer.
 */
const BACKLOG_WRITE_BATCH_WINDOW_MS = 30_000;
const BACKLOG_WINDOW_PATCH = 'writer-backlog-window';
/**
 * A backfill's dates all start gathering within seconds of each other, so with one fixed window they all write at
 * once, while live dates are running. Since this patch each backlog pass gathers for 0.5 to 1.5 windows (the
 * workflow's seeded random, so replay draws the same): the same 30 s on average, but no longer in step; its
 * writes may also wait longer on the queue (backlogDateRecordsOptions).
 */
const BACKLOG_SPREAD_PATCH = 'writer-backlog-spread';
/** Histories recorded before the writer batched its writes replay without the batching timer. */
const WRITE_BATCHING_PATCH = 'writer-batch-window';
/** Since this patch a writer pass is one `writeDateRecords` activity; older histories replay one activity per write. */
const DATE_RECORDS_PATCH = 'writer-one-activity-per-pass';
const ALL_PARTS: DateRecordsPart[] = ['projections', 'completionRows', 'logRows', 'statusRows'];

type Store = 'firestore' | 'bigquery' | 'alerts';
const STORE_LABELS: Record<Store, string> = { firestore: 'Firestore', bigquery: 'BigQuery', alerts: 'the alert channels' };

export interface DateWriter {
  /** A write is in flight (its queue may already look empty). */
  readonly busy: boolean;
  /** Lets the current pass finish and stops; what is still queued stays in the state. */
  finish(): Promise<void>;
}

/**
 * Starts the writer loop; `onDelivered` runs after every pass that emptied the queues it tried, `afterPass` after
 * every pass (the date's current details show what is still pending).
 */
export function startWriter(ctx: DateContext, onDelivered: () => void, givenBatchWindowMs?: number, afterPass: () => void = () => undefined): DateWriter {
  const { state } = ctx;
  const backlog = isBacklogDate();
  const batchWindowMs = givenBatchWindowMs ?? (backlog && patched(BACKLOG_WINDOW_PATCH) ? BACKLOG_WRITE_BATCH_WINDOW_MS : WRITE_BATCH_WINDOW_MS);
  const spread = backlog && patched(BACKLOG_SPREAD_PATCH);
  const records = spread ? writeBacklogDateRecords : writeDateRecords;
  let stopping = false;
  let busy = false;
  const loop = (async () => {
    for (;;) {
      await condition(() => stopping || hasPendingWrites(state));
      if (stopping) return;
      // A date's completions come in bursts (a phase's processors finish together, producers deliver twice):
      // gathering them for a moment writes the burst with one set of activities instead of one set per message.
      if (patched(WRITE_BATCHING_PATCH)) {
        const windowMs = spread ? Math.round(batchWindowMs * (0.5 + Math.random())) : batchWindowMs;
        await sleep(windowMs, { summary: `gather writes for ${Math.round(windowMs / 1000)} s` });
      }
      busy = true;
      const delivered = await flushWrites(ctx, records);
      busy = false;
      afterPass();
      if (delivered) {
        state.retryAt = null;
        state.retryDelayMs = 0;
        onDelivered();
        continue;
      }
      state.retryDelayMs = Math.min(MAX_WRITE_RETRY_MS, Math.max(MIN_WRITE_RETRY_MS, state.retryDelayMs * 2));
      state.retryAt = Date.now() + state.retryDelayMs;
      await condition(() => stopping, state.retryDelayMs, { summary: `retry failed writes in ${state.retryDelayMs / MINUTE} min` });
    }
  })();
  return {
    get busy() {
      return busy;
    },
    finish() {
      stopping = true;
      return loop;
    },
  };
}

/** One pass: alerts, records, alerts again (the records may have raised some). True when every store accepted. */
async function flushWrites(ctx: DateContext, records: typeof writeDateRecords): Promise<boolean> {
  const { state } = ctx;
  // A store that failed in this pass is not tried again until the next one: its retry budget is spent.
  const down = new Set<Store>();
  // Keep the number of awaits between an activity's result and the next command as it is: recorded histories
  // replay only if the writer and the decision loop issue their commands in the same order as when recorded.
  const write = async (store: Store, action: () => Promise<unknown>) => !down.has(store) && ((await attempt(ctx, store, action)) || (down.add(store), false));
  const deliverAlerts = async () => {
    while (state.undeliveredAlerts.length) {
      const alert = state.undeliveredAlerts[0] as Alert;
      if (!(await write('alerts', () => sendAlert.executeWithOptions({ summary: alertSummary(alert) }, [alert])))) return;
      remove(state.undeliveredAlerts, alert);
    }
  };
  await deliverAlerts();
  if (patched(DATE_RECORDS_PATCH)) await writeRecordsInOneActivity(ctx, down, records);
  else await writeRecordsOneByOne(ctx, write, down);
  await deliverAlerts();
  return down.size === 0;
}

/** Everything queued, in one `writeDateRecords`; what it could not write stays queued for the next pass. */
async function writeRecordsInOneActivity(ctx: DateContext, down: Set<Store>, records: typeof writeDateRecords): Promise<void> {
  const { state, gameDate } = ctx;
  // Each item leaves its queue before the write starts, so a change queued meanwhile is written again.
  const projectionNames = state.dirtyProjections.splice(0);
  const statusNames = state.dirtyStatusRows.splice(0);
  const now = Date.now();
  const input = {
    gameDate,
    projections: projectionNames.flatMap((name) => firestoreProjection(transitionDefinition(ctx, name), state, now) ?? []),
    completionRows: state.pendingCompletionRows.splice(0),
    logRows: state.pendingLogRows.slice(),
    statusRows: statusNames.map((name) => completionStatusRow(transitionDefinition(ctx, name), state)),
  };
  const stores = { firestore: input.projections.length > 0, bigquery: input.completionRows.length + input.logRows.length + input.statusRows.length > 0 };
  if (!stores.firestore && !stores.bigquery) return;
  let failure: unknown = null;
  try {
    await records.executeWithOptions({ summary: recordsSummary(input) }, [input]);
  } catch (error) {
    if (isCancellation(error)) throw error;
    failure = error;
  }
  const details = failure === null ? { written: ALL_PARTS, failed: [] } : dateRecordsFailureDetails(failure);
  const written = details?.written ?? [];
  if (!written.includes('projections')) for (const name of projectionNames) markDirtyIn(state.dirtyProjections, name);
  if (!written.includes('completionRows')) state.pendingCompletionRows.unshift(...input.completionRows);
  if (written.includes('logRows')) for (const row of input.logRows) remove(state.pendingLogRows, row);
  if (!written.includes('statusRows')) for (const name of statusNames) markDirtyIn(state.dirtyStatusRows, name);
  for (const store of ['firestore', 'bigquery'] as const) {
    if (!stores[store]) continue;
    // Without details (a timeout) every store the pass touched counts as failed.
    const storeFailures = details === null ? [describeFailure(failure)] : details.failed.filter((f) => f.store === store).map((f) => `${f.part}: ${f.message}${f.type ? ` [${f.type}]` : ''}`);
    if (storeFailures.length) down.add(store);
    noteWriteOutcome(ctx, store, storeFailures.length ? storeFailures.join('; ') : null);
  }
}

/** Histories recorded before `writeDateRecords`: one activity per projection and row. */
async function writeRecordsOneByOne(ctx: DateContext, write: (store: Store, action: () => Promise<unknown>) => Promise<boolean>, down: Set<Store>): Promise<void> {
  const { state } = ctx;
  // Each item leaves its queue before its write starts, so a change queued meanwhile is written again.
  await writeEach(state.dirtyProjections, async (name) => {
    const projection = firestoreProjection(transitionDefinition(ctx, name), state, Date.now());
    return !projection || write('firestore', () => projectCompletionDocument(projection));
  });
  const rows = state.pendingCompletionRows.splice(0);
  if (rows.length && !(await write('bigquery', () => recordCompletionRows(rows)))) state.pendingCompletionRows.unshift(...rows);
  // A log row follows the projection of the outcome it records (unless Firestore is the store that is down).
  const projectionsCurrent = state.dirtyProjections.length === 0 || down.has('firestore');
  while (projectionsCurrent && state.pendingLogRows.length) {
    const row = state.pendingLogRows[0] as ExecutionLogRow;
    if (!(await write('bigquery', () => recordExecutionLog(row)))) break;
    remove(state.pendingLogRows, row);
  }
  await writeEach(state.dirtyStatusRows, (name) => write('bigquery', () => upsertCompletionStatus(completionStatusRow(transitionDefinition(ctx, name), state))));
}

async function writeEach(queue: string[], write: (name: string) => Promise<boolean>): Promise<void> {
  const names = queue.splice(0);
  for (const [index, name] of names.entries()) {
    if (await write(name)) continue;
    for (const unwritten of names.slice(index)) markDirtyIn(queue, unwritten);
    return;
  }
}

async function attempt(ctx: DateContext, store: Store, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    noteWriteOutcome(ctx, store, null);
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    noteWriteOutcome(ctx, store, describeFailure(error));
    return false;
  }
}

/** Alerts once when a store starts failing, and once when it recovers (alert channels report themselves). */
function noteWriteOutcome(ctx: DateContext, store: Store, failure: string | null): void {
  const { state, gameDate } = ctx;
  const label = STORE_LABELS[store];
  const wasDown = state.outages.includes(store);
  if (failure === null) {
    if (!wasDown) return;
    state.outages.splice(state.outages.indexOf(store), 1);
    if (store !== 'alerts') {
      raise(state, { severity: 'info', title: `${label} writes recovered for ${gameDate}`, text: `Pending ${label} writes for ${gameDate} were delivered; nothing was lost.`, dedupKey: `${state.pipeline}:${gameDate}:outage:${store}:resolved:${state.raisedAlerts.length}`, now: Date.now() });
    }
    return;
  }
  if (wasDown) return;
  state.outages.push(store);
  if (store !== 'alerts') {
    const kept = store === 'firestore' ? 'Completions are still recorded in BigQuery' : 'Rows are kept in the workflow until BigQuery accepts them';
    raise(state, { severity: 'error', title: `${label} unavailable for ${gameDate}`, text: `${failure}. ${kept}; retrying with back-off.`, dedupKey: `${state.pipeline}:${gameDate}:outage:${store}:${state.raisedAlerts.length}`, now: Date.now() });
  }
}

/** The parts written and the failures, when the failure is a `writeDateRecords` one that carries them. */
function dateRecordsFailureDetails(error: unknown): DateRecordsFailureDetails | null {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RetryableActivityErrors.dateRecordsIncomplete) return null;
  const details = cause.details?.[0] as DateRecordsFailureDetails | undefined;
  return details && Array.isArray(details.written) && Array.isArray(details.failed) ? details : null;
}

/** `write 3 log rows, 1 completion row, 2 Firestore documents`: what one pass writes, for the Web UI. */
export function recordsSummary(input: { projections: unknown[]; completionRows: unknown[]; logRows: unknown[]; statusRows: unknown[] }): string {
  const parts = [
    plural(input.logRows.length, 'log row'),
    plural(input.completionRows.length, 'completion row'),
    plural(input.projections.length, 'Firestore document'),
    plural(input.statusRows.length, 'status row'),
  ].filter((part) => part !== '');
  return `write ${parts.join(', ')}`;
}

function alertSummary(alert: Alert): string {
  const title = alert.title.length > 100 ? `${alert.title.slice(0, 99)}…` : alert.title;
  return `send ${alert.severity} alert: ${title}`;
}

function markDirtyIn(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
