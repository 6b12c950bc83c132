/**
 * Plain functions over a completion's fields, kept free of zod: workflow code imports them, and the SDK loads
 * the workflow code again for every cached workflow, where building zod's schemas each time costs memory.
 */

export const COMPLETION_STATUSES = ['success', 'partial', 'no_data', 'failed'] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];

/** Only these count toward a rule; `failed` and `no_data` are recorded and explain a late transition. */
export function countsAsCompletion(status: CompletionStatus): boolean {
  return status === 'success' || status === 'partial';
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The correlation id a transition carries; producers occasionally omit it, so fall back to the run id. */
export function correlationIdOf(message: { correlation_id?: string; execution_id: string }): string {
  return message.correlation_id ?? message.execution_id;
}

/** Strips a `dataset.` or `project.dataset.` prefix from a table name. */
export function bareTableName(table: string | undefined): string | undefined {
  if (!table) return undefined;
  const parts = table.trim().split('.');
  return parts[parts.length - 1] || undefined;
}
