/** Activity fakes for workflow tests: they record every call and fail on demand. */
import { ApplicationFailure } from '@temporalio/common';
import type {
  Alert,
  AlertDelivery,
  CompletionRow,
  CompletionStatusRow,
  ExecutionLogRow,
  FirestoreProjectionInput,
  HttpTriggerInput,
  HttpTriggerResult,
  PublishTriggerInput,
  PublishTriggerResult,
  TransitionActivities,
} from '../../activities/activity-contracts';
import { createDateRecordsWriter } from '../../activities/date-records';
import type { PreviousRunActivities, PreviousRunInput } from '../../workflows/game-date/internal-messages';
import type { GameDateState } from '../../workflows/game-date/state';

type Failure = () => Error | undefined;

export class RecordingActivities {
  published: PublishTriggerInput[] = [];
  httpCalls: HttpTriggerInput[] = [];
  projections: FirestoreProjectionInput[] = [];
  completionRows: CompletionRow[] = [];
  logRows: ExecutionLogRow[] = [];
  statusRows: CompletionStatusRow[] = [];
  alerts: Alert[] = [];
  /** Every call in order, as `name` strings, to assert ordering. */
  calls: string[] = [];
  previousRun: GameDateState | null = null;
  failPublish?: Failure;
  failHttp?: Failure;
  failFirestore?: Failure;
  failBigQuery?: Failure;
  /** Awaited before a publish is recorded: holds a trigger in flight. */
  holdPublish?: (input: PublishTriggerInput) => Promise<void>;

  activities(): TransitionActivities & PreviousRunActivities {
    const activities = {
      publishTrigger: async (input: PublishTriggerInput): Promise<PublishTriggerResult> => {
        this.calls.push(`publish:${input.transition}`);
        await this.holdPublish?.(input);
        throwIf(this.failPublish);
        this.published.push(input);
        return { messageIds: input.messages.map((_, i) => `${input.triggerId}#${i}`) };
      },
      callHttpTrigger: async (input: HttpTriggerInput): Promise<HttpTriggerResult> => {
        this.calls.push(`http:${input.transition}`);
        throwIf(this.failHttp);
        this.httpCalls.push(input);
        return { called: true, status: 202, outcome: 'accepted' };
      },
      projectCompletionDocument: async (input: FirestoreProjectionInput): Promise<void> => {
        this.calls.push(`firestore:${input.collection}`);
        throwIf(this.failFirestore);
        this.projections.push(input);
      },
      recordCompletionRows: async (rows: CompletionRow[]): Promise<void> => {
        this.calls.push('completion-rows');
        throwIf(this.failBigQuery);
        for (const row of rows) if (!this.completionRows.some((r) => r.rowKey === row.rowKey)) this.completionRows.push(row);
      },
      recordExecutionLog: async (row: ExecutionLogRow): Promise<void> => {
        this.calls.push(`log:${row.phase_name}:${row.status}`);
        throwIf(this.failBigQuery);
        if (!this.logRows.some((r) => r.rowKey === row.rowKey)) this.logRows.push(row);
      },
      upsertCompletionStatus: async (row: CompletionStatusRow): Promise<void> => {
        this.calls.push(`status:${row.phase}`);
        throwIf(this.failBigQuery);
        this.statusRows = [...this.statusRows.filter((r) => r.phase !== row.phase), row];
      },
      sendAlert: async (alert: Alert): Promise<AlertDelivery> => {
        this.calls.push(`alert:${alert.severity}`);
        this.alerts.push(alert);
        return { delivered: ['recording'], failed: [] };
      },
      loadPreviousRunState: async (_input: PreviousRunInput): Promise<GameDateState | null> => this.previousRun,
    };
    // The real composition over the fakes, so workflow tests exercise how a pass's parts succeed and fail.
    const writers = {
      ...activities,
      recordExecutionLogRows: async (rows: ExecutionLogRow[]): Promise<void> => {
        for (const row of rows) await activities.recordExecutionLog(row);
      },
      upsertCompletionStatuses: async (rows: CompletionStatusRow[]): Promise<void> => {
        for (const row of rows) await activities.upsertCompletionStatus(row);
      },
    };
    return { ...activities, writeDateRecords: createDateRecordsWriter(writers) };
  }

  lastProjection(collection: string): FirestoreProjectionInput | undefined {
    return this.projections.filter((p) => p.collection === collection).at(-1);
  }
}

function throwIf(failure: Failure | undefined): void {
  const error = failure?.();
  if (error) throw error;
}

export const nonRetryable = (message: string, type: string) => () => ApplicationFailure.nonRetryable(message, type);
