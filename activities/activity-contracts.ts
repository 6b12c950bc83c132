/**
 * The contract between the game-date workflow and its activities. The workflow imports these types only
 * (`import type`), so this file must stay free of runtime imports.
 */
export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface Alert {
  severity: AlertSeverity;
  title: string;
  text: string;
  gameDate?: string;
  transition?: string;
  /** Same key = same condition; channels and receivers use it to collapse repeats. */
  dedupKey: string;
  correlationId?: string;
  /** ISO-8601, chosen by the caller (workflow time) so a retried alert is identical. */
  timestamp: string;
  /**
   * Which process raised it (`bridge/<replica>`), when several replicas may raise the same condition: they share the
   * dedup key, and this tells them apart without making the key differ.
   */
  reportedBy?: string;
}

export interface AlertDelivery {
  delivered: string[];
  failed: { channel: string; error: string }[];
}

export interface TriggerMessage {
  data: Record<string, unknown>;
  attributes: Record<string, string>;
}

export interface PublishTriggerInput {
  gameDate: string;
  transition: string;
  topic: string;
  /** Deterministic per (pipeline, date, transition, round); also carried in every message's attributes. */
  triggerId: string;
  messages: TriggerMessage[];
}

export interface PublishTriggerResult {
  messageIds: string[];
}

export interface HttpTriggerInput {
  gameDate: string;
  transition: string;
  triggerId: string;
  /** Name of the environment variable holding the base URL (the URL is a secret; it never enters history). */
  urlEnvVar: string;
  path: string;
  body: Record<string, unknown>;
}

export interface HttpTriggerResult {
  /** false when the URL variable is not set, so there was nothing to call. */
  called: boolean;
  status?: number;
  outcome?: 'accepted' | 'already_running';
}

/** One processor's entry in a `phaseN_completion/{date}` Firestore document. */
export interface FirestoreProcessorEntry {
  completed_at: string;
  correlation_id: string;
  status: string;
  record_count: number;
  execution_id: string;
  is_incremental: boolean;
  entities_changed: string[];
}

export interface FirestoreProjectionInput {
  collection: string;
  gameDate: string;
  processors: Record<string, FirestoreProcessorEntry>;
  meta: {
    _completed_count: number;
    _mode: string | null;
    _first_completion_at: string | null;
    _last_update: string;
    _trigger_reason: string | null;
    _triggered: boolean;
    _triggered_at: string | null;
    _missing_processors: string[];
    _wait_seconds: number | null;
  };
}

/** A `phase_completions` row; `rowKey` makes the insert idempotent. */
export interface CompletionRow {
  rowKey: string;
  phase: string;
  game_date: string;
  processor_name: string;
  status: string;
  record_count: number;
  correlation_id: string;
  execution_id: string;
  completed_at: string;
  is_incremental: boolean;
  entities_changed: string[];
  metadata: Record<string, unknown>;
}

/** A `phase_execution_log` row; exactly one per transition outcome, keyed by `rowKey`. */
export interface ExecutionLogRow {
  rowKey: string;
  execution_timestamp: string;
  phase_name: string;
  game_date: string;
  correlation_id: string;
  start_time: string;
  duration_seconds: number;
  games_processed: number;
  status: string;
  metadata: Record<string, unknown>;
}

/** A `phase_completion_status` row, upserted on (phase, game_date). */
export interface CompletionStatusRow {
  phase: string;
  game_date: string;
  completed_count: number;
  expected_count: number;
  completed_processors: string[];
  missing_processors: string[];
  is_triggered: boolean;
  triggered_at: string | null;
  trigger_reason: string | null;
  mode: string | null;
  first_completion_at: string | null;
  last_completion_at: string | null;
}

export interface RecordingResult {
  /** Where the record went: both stores normally; one of them when the other was unavailable. */
  written: ('firestore' | 'bigquery')[];
  deferred: ('firestore' | 'bigquery')[];
}

/** A part of a date's records, written by `writeDateRecords`; projections go to Firestore, the rest to BigQuery. */
export type DateRecordsPart = 'projections' | 'completionRows' | 'logRows' | 'statusRows';

/** Everything one writer pass of a game date has to write, in one activity. */
export interface DateRecordsInput {
  gameDate: string;
  projections: FirestoreProjectionInput[];
  completionRows: CompletionRow[];
  /** Written after the projections have settled: a log row follows the document of the outcome it records. */
  logRows: ExecutionLogRow[];
  statusRows: CompletionStatusRow[];
}

/** Carried by a `DateRecordsIncomplete` failure, so the workflow keeps only what was not written. */
export interface DateRecordsFailureDetails {
  written: DateRecordsPart[];
  failed: { part: DateRecordsPart; store: 'firestore' | 'bigquery'; type: string | null; message: string }[];
}

/** Every activity the game-date workflow may schedule. */
export interface TransitionActivities {
  publishTrigger(input: PublishTriggerInput): Promise<PublishTriggerResult>;
  callHttpTrigger(input: HttpTriggerInput): Promise<HttpTriggerResult>;
  projectCompletionDocument(input: FirestoreProjectionInput): Promise<void>;
  recordCompletionRows(rows: CompletionRow[]): Promise<void>;
  recordExecutionLog(row: ExecutionLogRow): Promise<void>;
  upsertCompletionStatus(row: CompletionStatusRow): Promise<void>;
  /** The four writers above as one activity: what a writer pass of a date has gathered. */
  writeDateRecords(input: DateRecordsInput): Promise<void>;
  sendAlert(alert: Alert): Promise<AlertDelivery>;
}
