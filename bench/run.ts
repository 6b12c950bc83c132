/**
 * `npm run bench`: for each season size, a fresh local stack with the real worker and bridge; the two
 * ceilings (Pub/Sub alone, Temporal alone) while the stack is idle, the product run (a backlog for throughput,
 * history size and memory), and a paced run for latency. Writes bench/results/<timestamp>.json and latest.json, prints the tables.
 *
 *   npm run bench                          # 200 dates
 *   npm run bench -- --dates 50,200,1000   # one row per size
 *   npm run bench -- --quick               # smoke run: 3 dates, checks the report is produced
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadPipelineDefinition } from '../contract/load-pipeline-definition';
import { bridgeSeriesDelta, bridgeSignalSeries, startBenchEnvironment, type BenchEnvironment } from './bench-environment';
import { pubsubCeiling, signalWithStartCeiling, terminateCeilingWorkflows } from './ceilings';
import { historyStats } from './history-stats';
import { waitForWritesDrained } from './write-drain';
import { cacheMissCost } from './cache-miss';
import { measureIngest } from './ingest';
import { describeLatencyParts, describePerTransition, latencyBreakdown } from './latency-breakdown';
import { PACED_TARGET_MS, runProduct } from './product-run';
import { benchReportSchema, currentCommit, formatTables, machineInfo, type BenchReport, type SizeResult } from './report';
import { sampleRss, treeCpuSeconds } from './rss-sampler';
import { DEFAULT_SEASON, generateSeason, type Season } from './season';
import { TriggerListener } from './trigger-listener';

const TASK_QUEUE = 'phase-orchestrator-bench';
/** No worker polls it: the signalWithStart ceiling measures the Temporal server alone (see signalWithStartCeiling). */
const CEILING_TASK_QUEUE = `${TASK_QUEUE}-ceiling`;
const PRODUCT_FIRST_DATE = '2001-01-01';
const PACED_FIRST_DATE = '2005-01-01';

/**
 * The bench's dates are all in the past; as production would see them, the backlog's are a backfill and the
 * paced run's are live. The bridge's backlog age is set between the two: older than the paced run's first date.
 */
function backlogAgeDays(): number {
  return Math.ceil((Date.now() - Date.parse(`${PACED_FIRST_DATE}T00:00:00Z`)) / 86_400_000) + 2;
}
const MB = 2 ** 20;

interface Settings {
  dates: number[];
  quick: boolean;
  pacedDates: number;
  pacedRate: number;
  ceilingMessages: number;
  concurrency: number;
  historySample: number;
  seed: number;
  out: string;
  /** Extra variables for the worker and the bridge (tuning knobs under test), recorded in the report. */
  serviceEnv: Record<string, string>;
}

function positiveInts(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('expected positive integers separated by commas, e.g. 50,200,1000');
  return list;
}

function serviceVariable(value: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected NAME=VALUE, e.g. WORKER_MAX_CACHED_WORKFLOWS=100');
  return { ...previous, [match[1]!]: match[2]! };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseSettings(argv: string[]): Settings {
  const program = new Command('bench')
    .description('Benchmark the orchestrator against a throwaway local stack with the real worker and bridge.')
    .option('--dates <sizes>', 'season sizes in game dates, one result row each', positiveInts, [200])
    .option('--quick', 'smoke run: 3 dates, small paced run; writes latest-quick.json', false)
    .option('--paced-dates <n>', 'dates in the paced latency run (at most the size)', positiveNumber, 50)
    .option('--paced-rate <n>', 'messages per second in the paced latency run (well below saturation)', positiveNumber, 10)
    .option('--ceiling-messages <n>', 'at most this many messages in each ceiling run (a prefix of the season)', positiveNumber, 4000)
    .option('--concurrency <n>', 'signalWithStart calls in flight in the Temporal ceiling (the bridge holds up to 4 × BRIDGE_MAX_IN_FLIGHT)', positiveNumber, 400)
    .option('--history-sample <n>', 'dates whose history length is read', positiveNumber, 250)
    .option('--seed <n>', 'season generator seed', positiveNumber, DEFAULT_SEASON.seed)
    .option('--out <dir>', 'directory of the result files', path.join('bench', 'results'))
    .option('--service-env <NAME=VALUE>', 'a variable for the worker and the bridge, e.g. WORKER_MAX_CACHED_WORKFLOWS=100 (repeatable)', serviceVariable, {})
    .parse(argv);
  const o = program.opts<{ dates: number[]; quick: boolean; pacedDates: number; pacedRate: number;
  ceilingMessages: number; concurrency: number; historySample: number; seed: number; out: string; serviceEnv: Record<string, string> }>();
  return { ...o, dates: o.quick ? [3] : o.dates, pacedDates: o.quick ? 3 : o.pacedDates };
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function cpuSecondsOfThisProcess(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function messagesPerDate(season: Season): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of season.messages) counts.set(m.gameDate, (counts.get(m.gameDate) ?? 0) + 1);
  return counts;
}

async function benchSize(env: BenchEnvironment, dates: number, settings: Settings): Promise<SizeResult> {
  const loadAtStart = loadavg()[0] ?? 0;
  const definition = loadPipelineDefinition();
  const season = (firstDate: string, n: number) => generateSeason(definition, { ...DEFAULT_SEASON, seed: settings.seed, firstDate, dates: n });
  // Separate date ranges keep the stages' workflows apart; past dates run Phase 3 in overnight mode. This
  // matters most for the ceiling: its workflows wait on a task queue no worker polls, so a product date that
  // shared one's id would never run.
  const product = season(PRODUCT_FIRST_DATE, dates);
  const paced = season(PACED_FIRST_DATE, Math.min(dates, settings.pacedDates));
  const ceilingSeason = season('2009-01-01', dates);
  const ceilingMessages = ceilingSeason.messages.slice(0, settings.ceilingMessages);
  const ranges = [product.dates, paced.dates, ceilingSeason.dates].map((d) => [d[0]!, d[d.length - 1]!] as const).sort((a, b) => a[0].localeCompare(b[0]));
  if (ranges.some((range, i) => i > 0 && range[0] <= ranges[i - 1]![1])) throw new Error(`${dates} dates: the product, paced and ceiling date ranges overlap`);
  const timeoutMs = Math.max(120_000, product.messages.length * 50);
  const listener = new TriggerListener(env.pubsub, definition);
  try {
    log(`${dates} dates, ${product.messages.length} messages, ${product.triggers.length} triggers`);
    log('Pub/Sub ceiling (publish → streaming pull → ack, no Temporal)');
    const pubsub = await pubsubCeiling(env.pubsub, product.messages.slice(0, settings.ceilingMessages), 400, timeoutMs);
    log(`  ${pubsub.perSecond.toFixed(0)} messages/s`);
    // First, while the stack is idle: run after the product, it competed with the worker digesting the backlog.
    log(`signalWithStart ceiling (client loop, ${settings.concurrency} in flight, topics interleaved, task queue ${CEILING_TASK_QUEUE} that no worker polls, no Pub/Sub)`);
    const signal = await signalWithStartCeiling(env.client, definition, CEILING_TASK_QUEUE, ceilingMessages, settings.concurrency);
    log(`  ${signal.perSecond.toFixed(0)} signals/s${signal.retries ? ` (${signal.retries} calls sent again)` : ''}`);
    await terminateCeilingWorkflows(env.client, definition, ceilingMessages);

    const rss = sampleRss({ worker: env.worker.pid, bridge: env.bridge.pid });
    const cpuSince = (): (() => Record<string, number>) => {
      const before: Record<string, number> = { ...treeCpuSeconds(env.pids), bench: cpuSecondsOfThisProcess() };
      return () => Object.fromEntries(Object.entries({ ...treeCpuSeconds(env.pids), bench: cpuSecondsOfThisProcess() }).map(([name, seconds]) => [name, Math.round((seconds - (before[name] ?? 0)) * 10) / 10]));
    };
    const describeCpu = (cpu: Record<string, number>): string => Object.entries(cpu).map(([n, s]) => `${n} ${s}`).join(', ');
    const burstCpu = cpuSince();
    log('product run: whole season at once (Pub/Sub → bridge → workflows → triggers)');
    const burst = await runProduct({ pubsub: env.pubsub, bridgeMetricsUrl: env.bridgeMetricsUrl, listener, season: product, timeoutMs, log });
    log(`  ${burst.triggersReceived}/${burst.triggersExpected} triggers; backlog latency p99 ${burst.latencyMs.p99} ms`);
    const cpuSeconds = burstCpu();
    log(`  CPU seconds until the last backlog trigger: ${describeCpu(cpuSeconds)}`);

    // At once, while the backlog's writes may still run: what a live date experiences during a backfill.
    const draining = waitForWritesDrained(env.endpoints, product, burst.lastTriggerAt, timeoutMs);
    const ratePerSecond = settings.pacedRate;
    const pacedCpu = cpuSince();
    log(`paced run: ${paced.dates.length} dates at ${ratePerSecond.toFixed(0)} messages/s, started as the backlog's last trigger arrived`);
    const bridgeBefore = await bridgeSignalSeries(env.bridgeMetricsUrl);
    const pacedResult = await runProduct({ pubsub: env.pubsub, bridgeMetricsUrl: env.bridgeMetricsUrl, listener, season: paced, ratePerSecond, timeoutMs, log });
    log(`  latency p50 ${pacedResult.latencyMs.p50} / p95 ${pacedResult.latencyMs.p95} / p99 ${pacedResult.latencyMs.p99} / max ${pacedResult.latencyMs.max} ms`);
    const pacedCpuSeconds = pacedCpu();
    const bridgeDuringPaced = bridgeSeriesDelta(bridgeBefore, await bridgeSignalSeries(env.bridgeMetricsUrl));
    log(`  bridge during the paced run: ${Object.entries(bridgeDuringPaced).map(([name, value]) => `${name} ${value}`).join(', ')}`);
    log(`  CPU seconds during the paced run: ${describeCpu(pacedCpuSeconds)}`);
    const { slow } = pacedResult;
    if (slow.count) log(`  ${slow.count} triggers over ${PACED_TARGET_MS} ms, due ${slow.firstDueSeconds?.toFixed(0)}–${slow.lastDueSeconds?.toFixed(0)} s into the paced run`);
    const drain = await draining;
    const overlapped = drain.seconds === null || burst.lastTriggerAt + drain.seconds * 1000 > pacedResult.startedAt;
    log(
      drain.seconds === null
        ? `  backlog writes: ${drain.landedRows}/${drain.expectedRows} completion rows landed when the wait ended`
        : `  backlog writes drained ${drain.seconds.toFixed(1)} s after its last trigger (${drain.expectedRows} completion rows)${overlapped ? ', during the paced run' : ', before the paced run began'}`,
    );

    const history = await historyStats({ client: env.client, pipeline: definition.pipeline, dates: product.dates, messagesPerDate: messagesPerDate(product), maxSample: settings.historySample, settleTimeoutMs: 120_000 });
    log(`  history: ${history.eventsPerDate.toFixed(1)} events/date, ${history.eventsPerCompletion.toFixed(2)} events/completion, largest ${history.largest?.events} (settled in ${history.settleSeconds.toFixed(0)} s)`);
    const ingest = await measureIngest(env.client, definition.pipeline, product.dates, burst);
    log(`  ingest (distinct message ids signalled, from the histories): ${ingest.ingested}/${burst.messages} in ${ingest.ingestSeconds.toFixed(1)} s, ${ingest.ingestPerSecond.toFixed(0)} messages/s; ${ingest.duplicateSignals} duplicate signals, ${ingest.duplicateAcks} duplicate acks`);
    if (ingest.notFound.length) log(`  not found in any history: ${ingest.notFound.join('; ')}`);

    const cacheMiss = await cacheMissCost(env.client, definition.pipeline, product.dates, settings.serviceEnv.WORKFLOW_STACK_TRACES === 'on' ? 'on' : 'off');
    log(`  a workflow-cache miss (replay of a backlog history, ${cacheMiss.meanEvents.toFixed(0)} events): ${cacheMiss.msPerReplay.toFixed(1)} ms, promise-stack capture ${cacheMiss.stackTraces}`);

    const pacedHistory = await historyStats({ client: env.client, pipeline: definition.pipeline, dates: paced.dates, messagesPerDate: messagesPerDate(paced), maxSample: settings.historySample, settleTimeoutMs: 60_000 });
    log(`  paced history: ${pacedHistory.eventsPerDate.toFixed(1)} events/date, ${pacedHistory.eventsPerCompletion.toFixed(2)} events/completion, largest ${pacedHistory.largest?.events}`);
    const breakdown = await latencyBreakdown(env.client, definition.pipeline, paced.dates, pacedResult.timed);
    log(`  median parts (ms): ${describeLatencyParts(breakdown)}`);
    log(`  p99 parts (ms): ${describeLatencyParts(breakdown.p99)}`);
    log(`  per transition: ${describePerTransition(breakdown.perTransition)}`);
    for (const trigger of breakdown.slowest) log(`  slow ${trigger.key} ${trigger.totalMs} ms: ${describeLatencyParts(trigger)}`);
    const peaks = rss.peaks();
    rss.stop();

    if (!history.largest) throw new Error('no workflow history could be read');
    return {
      dates,
      messages: product.messages.length,
      product: {
        ...ingest,
        triggersExpected: burst.triggersExpected,
        triggersReceived: burst.triggersReceived,
        backlogLatencyMs: burst.latencyMs,
        writesDrained: drain,
      },
      paced: { dates: paced.dates.length, ratePerSecond, duringBacklogWrites: overlapped, triggersExpected: pacedResult.triggersExpected, triggersReceived: pacedResult.triggersReceived, latencyMs: pacedResult.latencyMs, slow: pacedResult.slow, cpuSeconds: pacedCpuSeconds, bridge: bridgeDuringPaced, breakdown, history: { ...pacedHistory, largest: pacedHistory.largest ?? history.largest } },
      ceilings: { signalWithStart: signal, pubsub },
      fractionOfSignalWithStartCeiling: ingest.ingestPerSecond / signal.perSecond,
      fractionOfPubsubCeiling: ingest.ingestPerSecond / pubsub.perSecond,
      history: { ...history, largest: history.largest },
      cacheMiss,
      cpuSeconds,
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      peakRssMb: { worker: (peaks.worker ?? 0) / MB, bridge: (peaks.bridge ?? 0) / MB, total: peaks.total / MB },
    };
  } finally {
    await listener.close();
  }
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv);
  const startedAt = new Date().toISOString();
  // The commit the bench built and runs, read once: the tree may move on during a long run.
  const commit = currentCommit();
  let current: BenchEnvironment | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the bench stack`);
      void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  const sizes: SizeResult[] = [];
  const stamp = startedAt.replace(/[:.]/g, '-');
  const suffix = settings.quick ? '-quick' : '';
  // Written after every size, so a long run that is stopped keeps the rows it finished.
  const write = (): BenchReport => {
    const report: BenchReport = benchReportSchema.parse({
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      quick: settings.quick,
      commit,
      machine: machineInfo(),
      settings: { ...settings, season: DEFAULT_SEASON, taskQueue: TASK_QUEUE, ceilingTaskQueue: CEILING_TASK_QUEUE },
      sizes,
    });
    mkdirSync(settings.out, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(path.join(settings.out, `${stamp}${suffix}.json`), json);
    writeFileSync(path.join(settings.out, `latest${suffix}.json`), json);
    return report;
  };
  let report: BenchReport | undefined;
  for (const dates of settings.dates) {
    current = await startBenchEnvironment({ log, serviceEnv: { BRIDGE_BACKLOG_AGE_DAYS: String(backlogAgeDays()), ...settings.serviceEnv, TEMPORAL_TASK_QUEUE: TASK_QUEUE } });
    try {
      sizes.push(await benchSize(current, dates, settings));
    } catch (error) {
      log(`worker output:\n${current.worker.output.slice(-30).join('\n')}\nbridge output:\n${current.bridge.output.slice(-30).join('\n')}`);
      throw error;
    } finally {
      await current.stop();
      current = undefined;
    }
    report = write();
    log(`row for ${dates} dates written to ${path.join(settings.out, `latest${suffix}.json`)}`);
  }
  if (report) process.stdout.write(`\n${formatTables(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
