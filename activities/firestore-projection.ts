/**
 * Writes the `phaseN_completion/{date}` document (docs/contract.md §5.1) that dashboards and people read. The document
 * is a projection of workflow state, written in a transaction that merges with what is stored:
 * - processors present in the store are never dropped (another writer, or an older run, may have added them);
 * - `_triggered` never goes from true back to false;
 * - an input older than the stored document (`_last_update` earlier, e.g. a late retry) only adds what the
 *   store lacks and never rolls the metadata back;
 * - when the merged document equals the stored one nothing is written, so applying an input twice is a no-op.
 */
import { Timestamp, type DocumentData, type Firestore } from '@google-cloud/firestore';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { FirestoreProcessorEntry, FirestoreProjectionInput } from './activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from './activity-error-types';
import { GrpcStatus, errorSummary, grpcCode } from './google-error-codes';

/** Below the activity's 30 s start-to-close: a hung emulator or network fails this attempt, not the next. */
const TRANSACTION_DEADLINE_MS = 20_000;

const TIMESTAMP_META_KEYS = ['_first_completion_at', '_last_update', '_triggered_at'] as const;

export function createFirestoreProjection(firestore: Firestore): (input: FirestoreProjectionInput) => Promise<void> {
  return async function projectCompletionDocument(input: FirestoreProjectionInput): Promise<void> {
    const where = `${input.collection}/${input.gameDate}`;
    const incoming = toDocument(input, where);
    const ref = firestore.collection(input.collection).doc(input.gameDate);
    let written = false;
    try {
      await withDeadline(
        firestore.runTransaction(async (tx) => {
          const snapshot = await tx.get(ref);
          const stored = snapshot.exists ? (snapshot.data() ?? {}) : undefined;
          const merged = stored ? mergeCompletionDocument(stored, incoming) : incoming;
          written = !stored || canonicalJson(merged) !== canonicalJson(stored);
          if (written) tx.set(ref, merged);
        }),
        TRANSACTION_DEADLINE_MS,
        `the Firestore transaction on ${where} took longer than ${TRANSACTION_DEADLINE_MS / 1000} s`,
      );
    } catch (err) {
      throw classifyFirestoreError(err, where);
    }
    log.info('Completion document projected', { game_date: input.gameDate, document: where, written, triggered: input.meta._triggered });
  };
}

/** Builds the stored form: ISO strings become Firestore Timestamps. Malformed input is non-retryable. */
function toDocument(input: FirestoreProjectionInput, where: string): DocumentData {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.gameDate)) throw invalidInput(where, `game date "${input.gameDate}" is not YYYY-MM-DD`);
  if (!/^[A-Za-z0-9_-]+$/.test(input.collection)) throw invalidInput(where, `collection "${input.collection}" is not a plain name`);
  const doc: DocumentData = {};
  for (const [name, entry] of Object.entries(input.processors)) {
    if (name.startsWith('_') || name.length === 0) throw invalidInput(where, `processor key "${name}" would collide with metadata`);
    doc[name] = processorToDocument(entry, where, name);
  }
  const meta: DocumentData = { ...input.meta };
  for (const key of TIMESTAMP_META_KEYS) {
    const value = input.meta[key];
    meta[key] = value === null ? null : toTimestamp(value, where, key);
  }
  return { ...doc, ...meta };
}

function processorToDocument(entry: FirestoreProcessorEntry, where: string, name: string): DocumentData {
  return { ...entry, completed_at: toTimestamp(entry.completed_at, where, `${name}.completed_at`) };
}

function toTimestamp(iso: string, where: string, field: string): Timestamp {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw invalidInput(where, `${field} "${iso}" is not an ISO-8601 timestamp`);
  return Timestamp.fromMillis(millis);
}

function invalidInput(where: string, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Cannot project ${where}: ${what}. The workflow built an invalid document; retrying cannot help.`,
    NonRetryableActivityErrors.firestoreProjectionInvalid,
  );
}

function isProcessorKey(key: string, value: unknown): boolean {
  return !key.startsWith('_') && typeof value === 'object' && value !== null && !(value instanceof Timestamp);
}

function millisOf(value: unknown): number | undefined {
  return value instanceof Timestamp ? value.toMillis() : undefined;
}

/** Exported for unit tests: the merge rules listed at the top of this file. */
export function mergeCompletionDocument(stored: DocumentData, incoming: DocumentData): DocumentData {
  const storedUpdate = millisOf(stored._last_update);
  const incomingUpdate = millisOf(incoming._last_update);
  const stale = storedUpdate !== undefined && incomingUpdate !== undefined && incomingUpdate < storedUpdate;

  // Start from the store so fields this orchestrator does not own survive.
  const merged: DocumentData = { ...stored };
  for (const [key, value] of Object.entries(incoming) as [string, unknown][]) {
    if (isProcessorKey(key, value)) {
      if (!stale || !(key in stored)) merged[key] = value;
    } else if (!stale) {
      merged[key] = value;
    }
  }

  const storedFirst = millisOf(stored._first_completion_at);
  const incomingFirst = millisOf(incoming._first_completion_at);
  if (storedFirst !== undefined && (incomingFirst === undefined || storedFirst < incomingFirst)) {
    merged._first_completion_at = stored._first_completion_at as Timestamp;
  }

  if (stored._triggered === true && incoming._triggered !== true) {
    // Never un-trigger: a trigger that was published stays published, with its own time and reason.
    merged._triggered = true;
    merged._triggered_at = stored._triggered_at as unknown;
    merged._trigger_reason = stored._trigger_reason as unknown;
  } else if (stale && incoming._triggered === true && stored._triggered !== true) {
    // An older input that carries a real trigger still records it.
    merged._triggered = true;
    merged._triggered_at = incoming._triggered_at as unknown;
    merged._trigger_reason = incoming._trigger_reason as unknown;
  }
  return merged;
}

/** Order-independent JSON with Timestamps as strings, to decide whether a write would change anything. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value instanceof Timestamp) return `ts:${value.seconds}.${value.nanoseconds}`;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(what), { code: GrpcStatus.deadlineExceeded })), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Invalid input and missing permission need a person; everything else (down, slow, contended) may pass. */
export function classifyFirestoreError(err: unknown, where: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const code = grpcCode(err);
  const detail = errorSummary(err);
  if (code === GrpcStatus.permissionDenied || code === GrpcStatus.unauthenticated) {
    return ApplicationFailure.nonRetryable(
      `Cannot write ${where}: permission denied (${detail}). Grant the worker roles/datastore.user.`,
      NonRetryableActivityErrors.firestorePermissionDenied,
    );
  }
  if (code === GrpcStatus.invalidArgument) {
    return ApplicationFailure.nonRetryable(
      `Cannot write ${where}: Firestore refused the document (${detail}).`,
      NonRetryableActivityErrors.firestoreProjectionInvalid,
    );
  }
  return ApplicationFailure.retryable(
    `Firestore unavailable while writing ${where}: ${detail}. Will retry; the workflow keeps the document until it lands.`,
    RetryableActivityErrors.firestoreUnavailable,
  );
}
