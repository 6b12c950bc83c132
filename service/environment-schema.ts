/**
 * Every setting read from the environment goes through one zod pattern: a shape of named variables, each
 * with a description, parsed at start into one readable error naming each missing or invalid variable.
 * Values are never repeated in the error (some are secrets: webhook URLs carry tokens).
 */
import { z } from 'zod';

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

export const DEFAULT_TASK_QUEUE = 'phase-orchestrator';

/**
 * Where Temporal is, how to reach it securely, and which task queue the date workflows run on: every process
 * that talks to Temporal (worker, bridge, operator CLI). The names follow the Temporal CLI's environment
 * variables. TLS is on when TEMPORAL_TLS=1 or any certificate, CA or API key is given; the files are read
 * by `temporalConnectionOptions` (service/temporal-connection.ts).
 */
export const temporalEnvShape = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE).describe('task queue of the game-date workflows'),
  TEMPORAL_TLS: z.enum(['0', '1']).optional().describe('1: connect with TLS (implied by the settings below)'),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional().describe("PEM file of the CA that signed the server's certificate"),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe("name checked against the server's certificate, when the address does not carry it"),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional().describe('PEM file of the client certificate (mTLS; with TEMPORAL_TLS_CLIENT_KEY_PATH)'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional().describe('PEM file of the client key (mTLS; with TEMPORAL_TLS_CLIENT_CERT_PATH)'),
  TEMPORAL_API_KEY: z.string().min(1).optional().describe('API key (Temporal Cloud); a secret, never logged'),
};

export const portNumber = z.coerce.number().int().min(0).max(65535);

export function portVar(defaultPort: number, what: string): z.ZodDefault<typeof portNumber> {
  return portNumber.default(defaultPort).describe(what);
}

/** Validates the environment against a shape; empty strings count as unset. Throws one EnvironmentError. */
export function parseEnvironment<Shape extends z.ZodRawShape>(shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  const present = Object.fromEntries(Object.keys(shape).flatMap((key) => (env[key]?.trim() ? [[key, env[key].trim()]] : [])));
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const meaning = (shape[name] as z.ZodType | undefined)?.description;
    return present[name] === undefined
      ? `environment variable ${name} is missing${meaning ? ` (${meaning})` : ''}`
      : `environment variable ${name} is invalid: ${issue.message}${meaning ? ` (${meaning})` : ''}`;
  });
  throw new EnvironmentError(problems.join('; '));
}

/** `key=value,key2=value2` (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES): keys trimmed, values percent-decoded. */
const keyValueList = z
  .string()
  .refine((text) => text.split(',').every((item) => /^\s*[^=\s][^=]*=/.test(item) && decodesCleanly(item.slice(item.indexOf('=') + 1))), 'must be key=value pairs separated by commas')
  .transform((text) => Object.fromEntries(text.split(',').map((item) => [item.slice(0, item.indexOf('=')).trim(), decodeURIComponent(item.slice(item.indexOf('=') + 1).trim())])));

function decodesCleanly(value: string): boolean {
  try {
    decodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

const otlpHttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const milliseconds = z.coerce.number().int().positive();

/**
 * OpenTelemetry tracing, by the standard OTEL_* variables (the subset this project reads; service/tracing.ts).
 * Without an endpoint tracing is off. Traces are exported as OTLP over HTTP with JSON bodies only, so a protocol
 * other than http/json is refused rather than silently sent in a format the collector did not ask for.
 */
export const tracingEnvShape = {
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional().describe('true: no tracing, whatever else is set'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional().describe('none: no tracing; otlp (the default) exports to the endpoint'),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttpUrl.optional().describe('OTLP/HTTP base URL of the collector (traces go to <url>/v1/traces); unset with no traces endpoint: tracing off'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpHttpUrl.optional().describe('OTLP/HTTP traces URL, used as is (wins over OTEL_EXPORTER_OTLP_ENDPOINT)'),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal('http/json', 'only http/json is supported').optional().describe('OTLP protocol'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.literal('http/json', 'only http/json is supported').optional().describe('OTLP protocol of traces'),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList.optional().describe('headers of every export request, key=value,…; may carry a secret, never logged'),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.optional().describe('headers of trace export requests, added to OTEL_EXPORTER_OTLP_HEADERS; may carry a secret'),
  OTEL_EXPORTER_OTLP_TIMEOUT: milliseconds.optional().describe('export request timeout in ms (default 10000)'),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: milliseconds.optional().describe('trace export request timeout in ms (wins over OTEL_EXPORTER_OTLP_TIMEOUT)'),
  OTEL_SERVICE_NAME: z.string().min(1).optional().describe('service.name of the spans (default phase-orchestrator-bridge / phase-orchestrator-worker)'),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList.optional().describe('more resource attributes, key=value,… (deployment.environment=prod, say)'),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).optional().describe('ms between span batch exports (default 5000)'),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .optional()
    .describe('sampler (default parentbased_always_on)'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional().describe('ratio of the traceidratio samplers, 0 to 1'),
};
