/**
 * The workflow side of tracing on the time-skipping server: a traced signal to a date started without a trace is
 * handled in its own span, the trigger it tips is scheduled in that span with the trace in its header, nothing else
 * of the untraced run gets a header, and the history recorded that way replays.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker';
import { Worker } from '@temporalio/worker';
import { discardWorkflowSpans } from '../../service/tracing';
import { timeSkippingEnv } from '../harness';
import { createTriggerWorker } from '../../worker/trigger-worker';
import { workflowFailureErrorTypes } from '../../worker/workflow-failure-policy';
import { gameDateWorkflow } from '../../workflows';
import { completionSignal, gameDateWorkflowId } from '../../workflows/game-date/messages';
import { completion } from './completions';
import { RecordingActivities } from './recording-activities';
import { nbaDefinition, workflowBundle } from './workflow-test-kit';

describe('game-date workflow with a traced signal', function () {
  this.timeout(90_000);
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });

  before(() => provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() }));
  after(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('links the signal handler and the trigger it tips to the signal, leaves the rest of the run untraced, and replays', async () => {
    const env = await timeSkippingEnv();
    const taskQueue = `traced-${randomUUID()}`;
    const gameDate = '2001-02-03';
    const workflowId = `${gameDateWorkflowId('nba', gameDate)}-${randomUUID()}`;
    const definition = nbaDefinition((d) => {
      d.transitions[0]!.expectedProcessors = ['p2_nbacom_gamebook_pdf'];
      d.transitions[0]!.criticalProcessors = ['p2_nbacom_gamebook_pdf'];
    });
    const recorder = new RecordingActivities();
    const tracedClient = new Client({ connection: env.connection, namespace: env.namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: recorder.activities(),
      sinks: { exporter: makeWorkflowExporter(processor, Resource.empty()) },
      workflowFailureErrorTypes,
    });
    const triggerWorker = await createTriggerWorker({ connection: env.nativeConnection, taskQueue, activities: recorder.activities() });

    const history = await worker.runUntil(
      triggerWorker.runUntil(async () => {
        // Started without a trace, as the planner starts a date; then one traced completion arrives.
        const handle = await env.client.workflow.start(gameDateWorkflow, { taskQueue, workflowId, args: [{ definition, gameDate, searchAttributes: false, writeBatchWindowMs: 200 }] });
        await trace.getTracer('test').startActiveSpan('process completion', async (span) => {
          await tracedClient.workflow.getHandle(workflowId).signal(completionSignal, completion('phase_2_raw', 'NbacGamebookProcessor', gameDate));
          span.end();
        });
        const deadline = Date.now() + 20_000;
        while (recorder.published.length === 0 || !exporter.getFinishedSpans().some((s) => s.name === 'StartActivity:publishTrigger')) {
          if (Date.now() > deadline) throw new Error(`no traced trigger publish; spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const recorded = await handle.fetchHistory();
        await handle.terminate('test finished');
        return recorded;
      }),
    );

    const spans = exporter.getFinishedSpans();
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      assert.equal(found.length, 1, `one ${name}: ${spans.map((s) => s.name).join(', ')}`);
      return found[0]!;
    };
    const root = one('process completion');
    const signalled = one('SignalWorkflow:completion');
    const handled = one('HandleSignal:completion');
    const scheduled = one('StartActivity:publishTrigger');
    assert.equal(signalled.parentSpanId, root.spanContext().spanId);
    assert.equal(handled.parentSpanId, signalled.spanContext().spanId);
    assert.equal(scheduled.parentSpanId, handled.spanContext().spanId);
    for (const span of [signalled, handled, scheduled]) assert.equal(span.spanContext().traceId, root.spanContext().traceId);
    assert.equal(spans.filter((s) => s.name.startsWith('RunWorkflow')).length, 0, 'the run itself was not traced');

    // Only the trigger's activity carries the trace; the untraced run's own activities get no header.
    const scheduledEvents = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    const traced = scheduledEvents.filter((a) => a.header?.fields?.['_tracer-data']);
    assert.deepEqual(traced.map((a) => a.activityType?.name), ['publishTrigger']);
    const carrier = defaultPayloadConverter.fromPayload<{ traceparent: string }>(traced[0]!.header!.fields!['_tracer-data']!);
    assert.equal(carrier.traceparent.split('-')[1], root.spanContext().traceId);
    assert.ok(scheduledEvents.length > traced.length, 'the run scheduled untraced activities too');

    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: discardWorkflowSpans() }, history, workflowId);
  });
});
