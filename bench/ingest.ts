/**
 * What the product ingested, read from the date workflows' histories after the run: the distinct Pub/Sub
 * message ids of the season that reached a workflow as a `completion` signal, and when each first did.
 * The bridge's acknowledged counter cannot say this: Pub/Sub redelivers, and a redelivered message is signalled
 * and acknowledged again (also late, during the next run), so the counter counts some messages twice.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CompletionSignal } from '../contract/completion-message';
import { COMPLETION_SIGNAL_NAMES, gameDateWorkflowId } from '../workflows/game-date/messages';

const { EventType } = temporal.api.enums.v1;

export interface IngestFromHistories {
  /** Distinct message ids of the run found signalled. */
  ingested: number;
  /** Signals of a message id already signalled before (redeliveries that reached Temporal again). */
  duplicateSignals: number;
  /** Time (ms since the epoch, Temporal's clock) of the first signal of the last message ingested; null if none. */
  lastFirstSignalAt: number | null;
  /** Up to five messages not found in any history, as `id topic game-date`. */
  notFound: string[];
}

function millis(time: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/** Every run of the date's workflow (it continues as new), newest first. */
async function* runHistories(client: Client, workflowId: string): AsyncGenerator<temporal.api.history.v1.IHistoryEvent[]> {
  let runId: string | undefined;
  for (;;) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    yield events;
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return;
  }
}

/** Reads every run of the given dates' workflows; only signals carrying one of `messageIds` count. */
export async function ingestFromHistories(client: Client, pipeline: string, dates: string[], messageIds: ReadonlyMap<string, string>): Promise<IngestFromHistories> {
  const firstSignal = new Map<string, number>();
  let signals = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < dates.length) {
      for await (const events of runHistories(client, gameDateWorkflowId(pipeline, dates[next++]!))) {
        for (const event of events) {
          const attributes = event.workflowExecutionSignaledEventAttributes;
          if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED || !COMPLETION_SIGNAL_NAMES.includes(attributes?.signalName ?? '')) continue;
          const payload = attributes?.input?.payloads?.[0];
          const argument = payload ? defaultPayloadConverter.fromPayload<CompletionSignal | CompletionSignal[]>(payload) : [];
          for (const { messageId } of Array.isArray(argument) ? argument : [argument]) {
            if (!messageIds.has(messageId)) continue;
            signals += 1;
            const at = millis(event.eventTime);
            firstSignal.set(messageId, Math.min(at, firstSignal.get(messageId) ?? at));
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, dates.length) }, lane));
  return {
    ingested: firstSignal.size,
    duplicateSignals: signals - firstSignal.size,
    lastFirstSignalAt: firstSignal.size ? [...firstSignal.values()].reduce((a, b) => Math.max(a, b)) : null,
    notFound: [...messageIds].filter(([id]) => !firstSignal.has(id)).slice(0, 5).map(([id, where]) => `${id} ${where}`),
  };
}

export interface IngestFigures {
  /** Distinct messages of the run signalled to a workflow per second, first publish → first signal of the last of them. */
  ingestPerSecond: number;
  ingestSeconds: number;
  /** Distinct messages of the run signalled to a workflow. */
  ingested: number;
  /** Messages of the run no workflow was signalled (the bridge never acknowledged them); 0 on a healthy run. */
  unacknowledged: number;
  /** Signals of a message id already signalled: redeliveries the bridge signalled (and acknowledged) again. */
  duplicateSignals: number;
  /** The bridge's acknowledged counter over the run minus the distinct messages ingested, when positive. */
  duplicateAcks: number;
  /** Up to five messages no workflow was signalled, as `id topic game-date`, to look up in the bridge's log. */
  notFound: string[];
}

/** The product run's ingest figures, from its dates' histories (read after the run, so the read costs the run nothing). */
export async function measureIngest(client: Client, pipeline: string, dates: string[], run: { messages: number; messageIds: ReadonlyMap<string, string>; startedAt: number; acknowledged: number }): Promise<IngestFigures> {
  const found = await ingestFromHistories(client, pipeline, dates, run.messageIds);
  const ingestSeconds = Math.max(0.001, ((found.lastFirstSignalAt ?? Date.now()) - run.startedAt) / 1000);
  return {
    ingestPerSecond: found.ingested / ingestSeconds,
    ingestSeconds,
    ingested: found.ingested,
    unacknowledged: Math.max(0, run.messages - found.ingested),
    duplicateSignals: found.duplicateSignals,
    duplicateAcks: Math.max(0, run.acknowledged - found.ingested),
    notFound: found.notFound,
  };
}
