/**
 * Reading the status out of errors thrown by Google's gRPC clients (Pub/Sub, Firestore). They carry a
 * numeric gRPC `code`; we name the few codes that decide between "retry" and "an operator must act".
 */

export const GrpcStatus = {
  cancelled: 1,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

export function grpcCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The first line of an error's message, without the stack, for failure messages and logs. */
export function errorSummary(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n')[0] ?? '';
  return firstLine.length > 300 ? `${firstLine.slice(0, 300)}…` : firstLine;
}
