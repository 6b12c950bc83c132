/**
 * The contract between the watchdog workflows and their activities. Workflows import these types only
 * (`import type`), so this file must stay free of runtime imports.
 */

export type WatchdogName = 'planner' | 'reconciliation' | 'stuck-workflows' | 'health-probe';

export interface PlanInput {
  /** Plan as of this instant (workflow time); the activity never reads its own clock for the window. */
  now: number;
}

export interface PlanResult {
  window: { from: string; to: string } | null;
  /** Calendar dates inside the window. */
  dates: string[];
  /** Dates whose workflow is now running (started by this run or already running). */
  ensured: string[];
  /** Dates whose workflow already finished: planned before, left alone. */
  alreadyClosed: string[];
  failed: { gameDate: string; error: string }[];
}

export type DiscrepancyKind =
  | 'firestore_missing'
  | 'firestore_stale'
  | 'execution_log_missing'
  | 'completion_row_missing'
  | 'status_row_missing'
  | 'status_row_stale'
  | 'state_unreadable'
  /** A past date of the planning calendar with no workflow and no `phase_execution_log` row: nothing ever ran. */
  | 'calendar_date_unrecorded';

export interface Discrepancy {
  gameDate: string;
  transition: string | null;
  kind: DiscrepancyKind;
  detail: string;
  /** True once the repair write succeeded; false in dry-run mode or when the repair failed. */
  repaired: boolean;
  repairError?: string;
}

export interface ReconcileInput {
  dryRun: boolean;
  now: number;
  /** Only dates from `from` to `to` (inclusive, either optional): the operator's `reconcile --from --to`. */
  from?: string;
  to?: string;
}

export interface ReconcileResult {
  dryRun: boolean;
  /** Dates compared (one per game-date workflow id ever started for the pipeline and still in visibility). */
  dates: number;
  checked: { firestoreDocuments: number; executionLogRows: number; completionRows: number; statusRows: number };
  discrepancies: number;
  repaired: number;
  failedRepairs: number;
  /** Discrepancy details, capped; `truncated` says when more existed. Calendar gaps come last. */
  details: Discrepancy[];
  truncated: boolean;
  /**
   * The whole planning calendar before today against workflows and `phase_execution_log`; null when the
   * pipeline plans no dates (absent from results of workers that predate the check).
   */
  calendar?: { source: string; dates: number; unrecorded: number } | null;
}

export interface RecordUnrecordedInput {
  /** Calendar gaps that were just alerted: each gets its `unrecorded` log row, so it is alerted once. */
  gameDates: string[];
  now: number;
}

export type StuckKind = 'task_failing' | 'failed' | 'timed_out';

export interface StuckWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  gameDate: string | null;
  kind: StuckKind;
  error: string;
  /** ISO time the problem was seen from (close time, or start of the failing run). */
  since: string;
}

export interface FindStuckInput {
  /** Failed and timed-out runs closed at or after this ISO time are reported. */
  closedSince: string;
}

export interface ScheduleProblem {
  scheduleId: string;
  problem: string;
}

export interface HealthProbeResult {
  /** A name for the endpoint (its URL without credentials is never stored: it may be secret). */
  name: string;
  healthy: boolean;
  httpStatus: number | null;
  error: string | null;
  /** True when this result differs from the previous probe of the same endpoint in this process. */
  changed: boolean;
}

export interface HeartbeatResult {
  /** False when no heartbeat URL is configured, or when the ping was withheld. */
  pinged: boolean;
  httpStatus: number | null;
  /** Why the ping was withheld: alerts cannot be delivered, so "all well" would be a lie. */
  withheld?: string;
}

export interface WatchdogOutcome {
  watchdog: WatchdogName;
  ok: boolean;
  error: string | null;
  at: number;
}

export interface WatchdogActivities {
  planGameDates(input: PlanInput): Promise<PlanResult>;
  reconcileGameDates(input: ReconcileInput): Promise<ReconcileResult>;
  recordUnrecordedDates(input: RecordUnrecordedInput): Promise<{ recorded: string[] }>;
  findStuckWorkflows(input: FindStuckInput): Promise<StuckWorkflow[]>;
  checkWatchdogSchedules(): Promise<ScheduleProblem[]>;
  probeHealthEndpoints(): Promise<HealthProbeResult[]>;
  pingHeartbeat(): Promise<HeartbeatResult>;
  recordWatchdogOutcome(outcome: WatchdogOutcome): Promise<void>;
}
