/**
 * One completion, one trace: the bridge and worker processes export to an OTLP/HTTP receiver of the test, and the
 * spans of one Pub/Sub message link up from the bridge's `process <topic>` span through the signal and the
 * workflow's handling of it to the trigger publish activity, checked by their span ids.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadPipelineDefinition } from '../../contract/load-pipeline-definition';
import { gameDateWorkflowId } from '../../workflows/game-date/messages';
import { completionBody, createWorld, PHASE2_TOPIC, uniquePastDate, waitFor, type E2eWorld } from './e2e-kit';

const PHASE3_TRIGGER = 'nba-phase3-trigger';
/** OTLP's SPAN_KIND_CONSUMER. */
const CONSUMER = 5;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean | undefined>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }[] }[];
  }[];
}

function attributes(list: OtlpAttribute[] = []): ReceivedSpan['attributes'] {
  return Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.boolValue ?? value.doubleValue]));
}

/** A collector's OTLP/HTTP JSON traces endpoint, in the test: every span it was sent, flattened. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as OtlpTraces;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributes(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, kind: span.kind, attributes: attributes(span.attributes) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('end to end: a trace follows a completion from the bridge to its trigger', function () {
  this.timeout(120_000);
  let world: E2eWorld | undefined;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
  let tempDir: string | undefined;

  before(async function () {
    this.timeout(120_000);
    receiver = await startOtlpReceiver();
    // Phase 2 expects one processor here, so one completion triggers Phase 3 by itself.
    const definition = structuredClone(loadPipelineDefinition());
    const phase2 = definition.transitions[0]!;
    phase2.knownProcessors = [...(phase2.knownProcessors ?? []), ...phase2.expectedProcessors.filter((p) => p !== 'p2_nbacom_gamebook_pdf')];
    phase2.expectedProcessors = ['p2_nbacom_gamebook_pdf'];
    phase2.criticalProcessors = ['p2_nbacom_gamebook_pdf'];
    tempDir = mkdtempSync(path.join(tmpdir(), 'e2e-tracing-'));
    const definitionPath = path.join(tempDir, 'pipeline.json');
    writeFileSync(definitionPath, JSON.stringify(definition));
    world = await createWorld({ definitionPath });
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    await Promise.all([world.startWorker(otel), world.startBridge(otel)]);
  });

  after(async function () {
    this.timeout(60_000);
    await world?.close();
    await receiver?.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  it('one completion is one trace: process span → signal → workflow signal handler → trigger publish, linked by span ids', async () => {
    const spans = receiver!.spans;
    const gameDate = uniquePastDate();
    const correlationId = `trace-${world!.id}-${gameDate}`;
    const messageId = await world!.publish(PHASE2_TOPIC, completionBody('phase_2_raw', 'NbacGamebookProcessor', gameDate, { correlation_id: correlationId }));
    await waitFor('the Phase 3 trigger', () => world!.reader(PHASE3_TRIGGER).forDate(gameDate)[0]);

    const bridgeSpan = await waitFor('the bridge span of the message', () => spans.find((s) => s.name === `process ${PHASE2_TOPIC}` && s.attributes['messaging.message.id'] === messageId));
    const inTrace = (name: string) => spans.filter((s) => s.traceId === bridgeSpan.traceId && s.name === name);
    // The activity's own span ends first; the workflow's span of scheduling it ends once the result is back.
    const runActivity = await waitFor('the trigger publish spans', () => inTrace('StartActivity:publishTrigger').length > 0 && inTrace('RunActivity:publishTrigger')[0], 20_000);

    // The bridge's span: the message's own attributes, a root (nothing upstream traced the publish).
    assert.equal(bridgeSpan.service, 'phase-orchestrator-bridge');
    assert.equal(bridgeSpan.kind, CONSUMER);
    assert.equal(bridgeSpan.parentSpanId, '');
    assert.deepEqual(
      { game_date: bridgeSpan.attributes.game_date, transition: bridgeSpan.attributes.transition, correlation_id: bridgeSpan.attributes.correlation_id, outcome: bridgeSpan.attributes['orchestrator.outcome'] },
      { game_date: gameDate, transition: 'phase2_to_phase3', correlation_id: correlationId, outcome: 'signalled' },
    );
    assert.equal(spans.filter((s) => s.attributes['messaging.message.id'] === messageId).length, 1, 'one delivery, one process span');

    // Each link of the chain is the child of the one before.
    const only = (name: string, parent: ReceivedSpan): ReceivedSpan => {
      const found = inTrace(name).filter((s) => s.parentSpanId === parent.spanId);
      assert.equal(found.length, 1, `one ${name} under ${parent.name}; in the trace: ${JSON.stringify(spans.filter((s) => s.traceId === bridgeSpan.traceId).map((s) => [s.name, s.spanId, s.parentSpanId]))}`);
      return found[0]!;
    };
    const signal = only('SignalWithStartWorkflow:gameDateWorkflow', bridgeSpan);
    assert.equal(signal.service, 'phase-orchestrator-bridge');
    const handled = only('HandleSignal:completion', signal);
    assert.equal(handled.service, 'phase-orchestrator-worker');
    const scheduled = only('StartActivity:publishTrigger', handled);
    assert.equal(only('RunActivity:publishTrigger', scheduled).spanId, runActivity.spanId);
    assert.equal(runActivity.service, 'phase-orchestrator-worker');
    assert.equal(runActivity.attributes.temporalWorkflowId, gameDateWorkflowId('nba', gameDate));

    // Nothing of this date's workflow went to another trace.
    const workflowId = gameDateWorkflowId('nba', gameDate);
    const ofDate = spans.filter((s) => s.attributes.workflowId === workflowId || s.attributes.temporalWorkflowId === workflowId);
    assert.deepEqual([...new Set(ofDate.map((s) => s.traceId))], [bridgeSpan.traceId]);
  });
});
