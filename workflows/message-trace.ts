/**
 * Which trace a completion signal arrived in, so that what it causes (the trigger its completion tipped) is part of
 * the same trace: tracing-interceptors.ts remembers the signal's context, the main loop runs the decision in it.
 * Only a traced signal is remembered; for any other, `inTraceOf` just runs the function. Nothing here reaches the
 * history: a context only decides the parent of the spans and the trace header of the activities scheduled in it.
 */
import { context as otelContext, type Context } from '@opentelemetry/api';

// Keyed by the signal's own argument object, which the handler puts in the inbox: no id, nothing in the state.
const traces = new WeakMap<object, Context>();

export function rememberTraceOf(signalArgument: unknown, context: Context): void {
  if (typeof signalArgument === 'object' && signalArgument !== null) traces.set(signalArgument, context);
}

export function inTraceOf<T>(signalArgument: object, fn: () => T): T {
  const context = traces.get(signalArgument);
  return context ? otelContext.with(context, fn) : fn();
}
