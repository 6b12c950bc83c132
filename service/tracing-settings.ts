/**
 * What tracing is asked to do (the validated OTEL_* variables, `tracingEnvShape`) and the shape a tracing setup
 * hands the services. Shared by service/tracing.ts, which decides whether tracing is on, and
 * service/tracing-export.ts, which is loaded only when it is.
 */
import type { ClientInterceptors } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { parseEnvironment, tracingEnvShape } from './environment-schema';

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
