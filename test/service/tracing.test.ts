/** Tracing by the OTEL_* variables: off unless an endpoint is set, a bad variable named at start, spans out as OTLP/HTTP JSON. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { defaultPayloadConverter } from '@temporalio/common';
import { bridgeEnvShape } from '../../bridge/bridge-config';
import { tracingEnvShape } from '../../service/environment-schema';
import { startTracing } from '../../service/tracing';
import { tracingSettings } from '../../service/tracing-settings';
import { workerEnvShape } from '../../worker/worker-config';
import { carriesTrace } from '../../workflows/tracing-interceptors';

const ENDPOINT = 'http://127.0.0.1:4318';

describe('tracing configuration', () => {
  it('is off without an endpoint, and with one when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none says so', () => {
    assert.equal(tracingSettings('bridge', 'b1', {}), null);
    assert.equal(tracingSettings('bridge', 'b1', { OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), null);
    assert.equal(tracingSettings('bridge', 'b1', { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SDK_DISABLED: 'true' }), null);
    assert.equal(tracingSettings('worker', 'b1', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ENDPOINT}/v1/traces`, OTEL_TRACES_EXPORTER: 'none' }), null);

    const off = startTracing('bridge', 'b1', {});
    assert.equal(off.enabled, false);
    assert.deepEqual(off.clientInterceptors, {});
    assert.deepEqual(off.workerInterceptors, {});
    assert.equal(trace.getTracer('test').startSpan('nothing').isRecording(), false, 'no tracer provider is registered');
  });

  it('derives the traces URL, headers and resource from the standard variables', () => {
    const settings = tracingSettings('worker', 'abc123', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${ENDPOINT}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=orchestration, authorization=Bearer%20t0ken',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.version=ignored',
      OTEL_BSP_SCHEDULE_DELAY: '250',
    });
    assert.deepEqual(settings, {
      url: `${ENDPOINT}/v1/traces`,
      headers: { 'x-team': 'traces', authorization: 'Bearer t0ken' },
      timeoutMillis: 10_000,
      scheduledDelayMillis: 250,
      sampler: { kind: 'parentbased_always_on', ratio: 1 },
      resourceAttributes: { 'deployment.environment': 'prod', 'service.name': 'phase-orchestrator-worker', 'service.version': 'abc123' },
    });
    const own = tracingSettings('bridge', 'abc123', {
      OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/otlp/traces',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
      OTEL_SERVICE_NAME: 'orchestrator-bridge-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    assert.equal(own?.url, 'https://collector.example/otlp/traces', 'the traces endpoint is used as is and wins');
    assert.equal(own?.timeoutMillis, 2000);
    assert.equal(own?.resourceAttributes['service.name'], 'orchestrator-bridge-eu');
    assert.deepEqual(own?.sampler, { kind: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('a bad variable stops the service with one line naming it, never repeating its value', () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /^bridge cannot start: environment variable OTEL_EXPORTER_OTLP_ENDPOINT is invalid: must be an http\(s\) URL/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /environment variable OTEL_EXPORTER_OTLP_PROTOCOL is invalid: only http\/json is supported/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'authorization:Bearer s3cret' }, /environment variable OTEL_EXPORTER_OTLP_HEADERS is invalid: must be key=value pairs/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_TRACES_SAMPLER: 'sometimes' }, /environment variable OTEL_TRACES_SAMPLER is invalid/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_BSP_SCHEDULE_DELAY: 'soon' }, /environment variable OTEL_BSP_SCHEDULE_DELAY is invalid/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => startTracing('bridge', 'b1', env),
        (error: unknown) => error instanceof Error && error.name === 'ServiceConfigError' && message.test(error.message) && !error.message.includes('s3cret'),
        JSON.stringify(env),
      );
    }
  });

  it('both services validate the tracing variables with the rest of their environment', () => {
    for (const shape of [bridgeEnvShape, workerEnvShape]) {
      for (const name of Object.keys(tracingEnvShape)) assert.ok(name in shape, name);
    }
  });

  it('with an endpoint, spans reach it as OTLP/HTTP JSON with the service resource and the configured headers', async () => {
    const requests: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const tracing = startTracing('worker', 'build-1', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k1', OTEL_BSP_SCHEDULE_DELAY: '10' });
    try {
      assert.equal(tracing.enabled, true);
      const workflowInterceptors = tracing.clientInterceptors.workflow;
      assert.ok(Array.isArray(workflowInterceptors) && workflowInterceptors.length === 1);
      assert.equal(tracing.workerInterceptors.activity?.length, 1);
      trace.getTracer('unit').startSpan('unit-span', { attributes: { game_date: '2026-01-02' } }).end();
    } finally {
      await tracing.shutdown();
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(trace.getTracer('test').startSpan('after').isRecording(), false, 'shutdown unregisters the provider');
    const request = requests.find((r) => r.body.includes('unit-span'));
    assert.ok(request, `the span was exported (${requests.length} requests)`);
    assert.equal(request.url, '/v1/traces');
    assert.match(String(request.headers['content-type']), /application\/json/);
    assert.equal(request.headers['x-api-key'], 'k1');
    const body = JSON.parse(request.body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[] };
    const resource = Object.fromEntries(body.resourceSpans[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    assert.equal(resource['service.name'], 'phase-orchestrator-worker');
    assert.equal(resource['service.version'], 'build-1');
  });
});

describe('workflow tracing interceptors', () => {
  it('act only on headers that carry a W3C trace context', () => {
    const header = (carrier: unknown) => ({ '_tracer-data': defaultPayloadConverter.toPayload(carrier) });
    assert.equal(carriesTrace({}), false);
    assert.equal(carriesTrace(header({})), false, 'what a client interceptor without a tracer provider sends');
    assert.equal(carriesTrace(header({ traceparent: 'nonsense' })), false);
    assert.equal(carriesTrace(header({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })), true);
  });
});
