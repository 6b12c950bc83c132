/**
 * `writeDateRecords`: everything a writer pass of a game date gathered (Firestore projections, completion
 * rows, log rows, status rows) in ONE activity, so a burst of completions costs the date's history one
 * activity instead of one per store and row. Firestore and BigQuery are written side by side; a part that
 * fails does not stop the others. Written parts are recorded as heartbeat details, so a retry writes only
 * what is missing, and the final failure names them, so the workflow keeps only what was not written.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CompletionStatusRow, DateRecordsFailureDetails, DateRecordsInput, DateRecordsPart, ExecutionLogRow, TransitionActivities } from './activity-contracts';
import { RetryableActivityErrors } from './activity-error-types';

/** The store writers a pass uses; BigQuery rows go in batches, one streaming-insert request per part. */
export interface DateRecordWriters extends Pick<TransitionActivities, 'projectCompletionDocument' | 'recordCompletionRows'> {
  recordExecutionLogRows(rows: ExecutionLogRow[]): Promise<void>;
  upsertCompletionStatuses(rows: CompletionStatusRow[]): Promise<void>;
}

const HEARTBEAT_EVERY_MS = 5_000;
const STORE = { projections: 'firestore', completionRows: 'bigquery', logRows: 'bigquery', statusRows: 'bigquery' } as const;

/** Parts an earlier attempt of this activity wrote (its last heartbeat), so a retry skips them. */
function partsWrittenEarlier(): Set<DateRecordsPart> {
  const details: unknown = activityInfo().heartbeatDetails;
  const written = typeof details === 'object' && details !== null && 'written' in details ? details.written : [];
  return new Set(Array.isArray(written) ? written.filter((part): part is DateRecordsPart => typeof part === 'string' && part in STORE) : []);
}

export function createDateRecordsWriter(writers: DateRecordWriters): (input: DateRecordsInput) => Promise<void> {
  return async (input) => {
    const written = partsWrittenEarlier();
    // A heartbeat every few seconds lets Temporal notice a dead worker within the heartbeat timeout instead
    // of the whole attempt's timeout (a slow store may legitimately take a minute).
    const beating = setInterval(() => heartbeat({ written: [...written] }), HEARTBEAT_EVERY_MS);
    const failed: DateRecordsFailureDetails['failed'] = [];
    // Retrying cannot fix a part that failed for good (invalid row, missing table, permission); anything else may pass.
    let retryable = false;
    /** Writes one part unless done already; false when it failed. */
    const write = async (part: DateRecordsPart, items: unknown[], action: () => Promise<unknown>): Promise<boolean> => {
      if (written.has(part) || items.length === 0) return true;
      try {
        await action();
        written.add(part);
        heartbeat({ written: [...written] });
        return true;
      } catch (error) {
        const type = error instanceof ApplicationFailure ? (error.type ?? null) : null;
        failed.push({ part, store: STORE[part], type, message: error instanceof Error ? error.message : String(error) });
        if (!(error instanceof ApplicationFailure && error.nonRetryable)) retryable = true;
        return false;
      }
    };
    const projections = write('projections', input.projections, () => Promise.all(input.projections.map((p) => writers.projectCompletionDocument(p))));
    // BigQuery parts in order, stopping at the first failure (the store is down or refusing; the rest would fail too).
    // A log row waits until the projections have settled: it follows the document of the outcome it records.
    const bigquery = (async () => {
      if (!(await write('completionRows', input.completionRows, () => writers.recordCompletionRows(input.completionRows)))) return;
      await projections;
      if (!(await write('logRows', input.logRows, () => writers.recordExecutionLogRows(input.logRows)))) return;
      await write('statusRows', input.statusRows, () => writers.upsertCompletionStatuses(input.statusRows));
    })();
    await Promise.all([projections, bigquery]).finally(() => clearInterval(beating));
    if (failed.length === 0) return;
    const details: DateRecordsFailureDetails = { written: [...written], failed };
    throw ApplicationFailure.create({
      type: RetryableActivityErrors.dateRecordsIncomplete,
      message: `Records for ${input.gameDate} not written: ${failed.map((f) => `${f.part}: ${f.message}`).join('; ')}`,
      details: [details],
      nonRetryable: !retryable,
    });
  };
}
