/**
 * OpenTelemetry tracing of the bridge and the worker, configured by the standard OTEL_* variables
 * (`tracingEnvShape`) and off when no OTLP endpoint is set. When on, the process registers a global tracer
 * provider that exports batches of spans as OTLP/HTTP JSON, and this module hands out the Temporal interceptors
 * that carry the trace from the bridge's signal through the workflow (workflows/tracing-interceptors.ts, in every
 * bundle) to the activities. When off, nothing is registered and no interceptor is installed: the services behave
 * exactly as without tracing.
 */
import type { ClientInterceptors } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { parseEnvironment, tracingEnvShape } from './environment-schema';
import { configStep } from './startup';

export type TracedService = 'bridge' | 'worker';

/** What the validated OTEL_* variables ask for; null: tracing off. */
export interface TracingSettings {
  /** Full traces URL (`…/v1/traces`). */
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
  scheduledDelayMillis: number;
  sampler: { kind: NonNullable<TracingEnv['OTEL_TRACES_SAMPLER']>; ratio: number };
  resourceAttributes: Record<string, string>;
}

type TracingEnv = ReturnType<typeof parseTracingEnv>;

function parseTracingEnv(env: NodeJS.ProcessEnv) {
  return parseEnvironment(tracingEnvShape, env);
}

/** Reads the OTEL_* variables; throws an EnvironmentError naming a bad one. */
export function tracingSettings(service: TracedService, buildId: string, env: NodeJS.ProcessEnv = process.env): TracingSettings | null {
  const otel = parseTracingEnv(env);
  if (otel.OTEL_SDK_DISABLED === 'true' || otel.OTEL_TRACES_EXPORTER === 'none') return null;
  const url = otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (otel.OTEL_EXPORTER_OTLP_ENDPOINT ? `${otel.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url) return null;
  return {
    url,
    headers: { ...otel.OTEL_EXPORTER_OTLP_HEADERS, ...otel.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMillis: otel.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? otel.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10_000,
    scheduledDelayMillis: otel.OTEL_BSP_SCHEDULE_DELAY ?? 5_000,
    sampler: { kind: otel.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on', ratio: otel.OTEL_TRACES_SAMPLER_ARG ?? 1 },
    // The service's own name and build win over nothing but OTEL_SERVICE_NAME: a dashboard groups by them.
    resourceAttributes: {
      ...otel.OTEL_RESOURCE_ATTRIBUTES,
      'service.name': otel.OTEL_SERVICE_NAME ?? `phase-orchestrator-${service}`,
      'service.version': buildId,
    },
  };
}

export interface Tracing {
  enabled: boolean;
  /** Where spans go (the traces URL), for the start-up line; null when off. */
  exportUrl: string | null;
  /** For every Temporal Client: a span per start, signal or query, and the trace in its headers. */
  clientInterceptors: ClientInterceptors;
  /** For every Worker: a span per activity run, and trace ids in activity log lines. */
  workerInterceptors: WorkerInterceptors;
  /**
   * For a Worker running workflows: where the workflow's spans leave the sandbox. Registered even when off (then it
   * drops them), so a traced signal from a bridge with tracing on never reaches an unregistered sink.
   */
  workflowSinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is still batched; call before the process exits. */
  shutdown(): Promise<void>;
}

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
