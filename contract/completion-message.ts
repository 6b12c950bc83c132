/**
 * The completion envelope every producer publishes (docs/contract.md §2), validated and tolerantly normalised.
 * The bridge validates with it; workflow code may import only its types (see `completion-fields.ts`).
 */
import { z } from 'zod';
import { COMPLETION_STATUSES, isCalendarDate } from './completion-fields';

const gameDate = z.string({ error: 'game_date is missing' }).refine(isCalendarDate, {
  // `None` and `TODAY` are seen in the wild; the data's date cannot be inferred from them, so they are rejected.
  error: (issue) => `game_date ${JSON.stringify(issue.input)} is not a YYYY-MM-DD calendar date`,
});

const nonNegativeCount = z.number().int().nonnegative();

export const completionMessageSchema = z
  .object({
    processor_name: z.string().trim().min(1),
    phase: z.string().min(1),
    execution_id: z.string().min(1),
    correlation_id: z.string().min(1).optional(),
    game_date: gameDate,
    output_table: z.string().optional(),
    output_dataset: z.string().optional(),
    status: z.enum(COMPLETION_STATUSES),
    record_count: nonNegativeCount.default(0),
    records_failed: nonNegativeCount.optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    duration_seconds: z.number().nonnegative().optional(),
    parent_processor: z.string().optional(),
    trigger_source: z.string().optional(),
    trigger_message_id: z.string().optional(),
    error_message: z.string().optional(),
    error_type: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();

export type CompletionMessage = z.infer<typeof completionMessageSchema>;

/** What the bridge signals to the date's workflow: the message plus where and when Pub/Sub delivered it. */
export interface CompletionSignal {
  messageId: string;
  topic: string;
  /** ISO-8601 publish time from Pub/Sub. */
  publishTime: string;
  message: CompletionMessage;
}

export type ParsedCompletion = { ok: true; message: CompletionMessage } | { ok: false; reason: string };

/** Parses a raw message body; a failure carries a one-line reason fit for the dead-letter record. */
export function parseCompletionMessage(body: string | Uint8Array): ParsedCompletion {
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const result = completionMessageSchema.safeParse(json);
  if (!result.success) {
    const reasons = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
    return { ok: false, reason: `schema violation: ${reasons.join('; ')}` };
  }
  return { ok: true, message: result.data };
}
