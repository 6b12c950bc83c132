/** How a failed activity is told in alerts and log rows: the activity's own message and failure type. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

export function describeFailure(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${cause.message}${cause.type ? ` [${cause.type}]` : ''}`;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The failure type an activity raised (`ApplicationFailure.type`), if any. */
export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
