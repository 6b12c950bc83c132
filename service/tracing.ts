/**
 * OpenTelemetry tracing of the bridge and the worker, configured by the standard OTEL_* variables
 * (`tracingEnvShape`) and off when no OTLP endpoint is set. When on, the process registers a global tracer
 * provider that exports batches of spans as OTLP/HTTP JSON, and this module hands out the Temporal interceptors
 * that carry the trace from the bridge's signal through the workflow (workflows/tracing-interceptors.ts, in every
 * bundle) to the activities. When off, nothing is registered and no interceptor is installed: the services behave
 * exactly as without tracing.
 */
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { InjectedSinks } from '@temporalio/worker';
import { configStep } from './startup';
import { tracingSettings, type TracedService, type Tracing } from './tracing-settings';

/** Validates the OTEL_* variables (`<service> cannot start: …` when one is bad) and, with an endpoint, starts tracing. */
export function startTracing(service: TracedService, buildId: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const settings = configStep(service, () => tracingSettings(service, buildId, env));
  if (!settings) return tracingOff();

  // Loaded only when tracing is on: the OpenTelemetry SDK and exporter cost each process about 15 MB of memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exportingTracing } = require('./tracing-export') as typeof import('./tracing-export');
  return exportingTracing(settings);
}

/**
 * The workflow span sink that drops every span: for a worker with tracing off, and for replaying a traced history
 * (`Worker.runReplayHistory` looks a sink up even though it does not call it while replaying, and logs an error
 * for one that is missing).
 */
export function discardWorkflowSpans(): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: { export: { fn: () => undefined } } };
}

function tracingOff(): Tracing {
  return {
    enabled: false,
    exportUrl: null,
    clientInterceptors: {},
    workerInterceptors: {},
    workflowSinks: discardWorkflowSpans(),
    shutdown: () => Promise.resolve(),
  };
}
