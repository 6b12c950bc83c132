/**
 * OpenTelemetry in the workflow sandbox: `@temporalio/interceptors-opentelemetry`'s workflow interceptors, acting
 * only for what carries a trace. Every workflow bundle the project builds includes this module
 * (`workflowInterceptorModules`: worker/workflow-bundle.ts, release/build.ts, the test kit), so recorded histories
 * replay against exactly what runs. A run or signal whose headers carry no trace (tracing off, or a history recorded
 * before tracing) passes straight through: no span, no sink call, no header added to its activities, no extra yield.
 * The upstream interceptors are loaded and created on first use: creating them registers a tracer in the workflow.
 */
import { isSpanContextValid, context as otelContext, trace } from '@opentelemetry/api';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type * as UpstreamInterceptors from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { rememberTraceOf } from './message-trace';

let upstream:
  | { inbound: UpstreamInterceptors.OpenTelemetryInboundInterceptor; outbound: UpstreamInterceptors.OpenTelemetryOutboundInterceptor; internals: UpstreamInterceptors.OpenTelemetryInternalsInterceptor }
  | undefined;

function otel(): NonNullable<typeof upstream> {
  if (!upstream) {
    // Required here, not imported: the OpenTelemetry SDK is about half of the bundle, and each workflow evaluates the
    // modules it loads for itself, so a workflow that never sees a trace never pays for them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const otelInterceptors = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof UpstreamInterceptors;
    upstream = {
      inbound: new otelInterceptors.OpenTelemetryInboundInterceptor(),
      outbound: new otelInterceptors.OpenTelemetryOutboundInterceptor(),
      internals: new otelInterceptors.OpenTelemetryInternalsInterceptor(),
    };
  }
  return upstream;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** True when the headers carry a W3C trace context (what the client and activity interceptors put there). */
export function carriesTrace(headers: Headers): boolean {
  const payload = headers[TRACE_HEADER];
  if (!payload) return false;
  try {
    const carrier = defaultPayloadConverter.fromPayload<unknown>(payload);
    if (typeof carrier !== 'object' || carrier === null) return false;
    const { traceparent } = carrier as Record<string, unknown>;
    return typeof traceparent === 'string' && TRACEPARENT.test(traceparent);
  } catch {
    return false;
  }
}

/** True inside a traced run or signal: outbound calls made here continue that trace. */
function inTrace(): boolean {
  const span = trace.getSpan(otelContext.active());
  return span !== undefined && isSpanContextValid(span.spanContext());
}

class TracedInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return carriesTrace(input.headers) ? otel().inbound.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (!carriesTrace(input.headers)) return next(input);
    return otel().inbound.handleSignal(input, (traced) => {
      // The handler's span is the parent of what this signal later causes (workflows/message-trace.ts).
      // A batch of completions (the `completions` signal) arrived in one trace: each of them continues it.
      for (const arg of traced.args) for (const item of Array.isArray(arg) ? arg : [arg]) rememberTraceOf(item, otelContext.active());
      return next(traced);
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return carriesTrace(input.headers) ? otel().inbound.handleUpdate(input, next) : next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (carriesTrace(input.headers)) otel().inbound.validateUpdate(input, next);
    else next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return carriesTrace(input.headers) ? otel().inbound.handleQuery(input, next) : next(input);
  }
}

class TracedOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return inTrace() ? otel().outbound.scheduleActivity(input, next) : next(input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return inTrace() ? otel().outbound.scheduleLocalActivity(input, next) : next(input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return inTrace() ? otel().outbound.startChildWorkflowExecution(input, next) : next(input);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return inTrace() ? otel().outbound.continueAsNew(input, next) : next(input);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return inTrace() ? otel().outbound.signalWorkflow(input, next) : next(input);
  }

  /** Workflow log lines written inside a trace carry its trace_id and span_id. */
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return inTrace() ? otel().outbound.getLogAttributes(input, next) : next(input);
  }
}

class TracedInternals implements WorkflowInternalsInterceptor {
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    if (upstream) void upstream.internals.dispose(input, next);
    else next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new TracedInbound()],
  outbound: [new TracedOutbound()],
  internals: [new TracedInternals()],
});
