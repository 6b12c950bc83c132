/** The benchmark's result file (one row per season size), its validation, and the printed tables. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { z } from 'zod';

const latency = z.object({ count: z.number().int().nonnegative(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable() });
const historySummary = z.object({
  sampledDates: z.number().int().positive(),
  eventsPerDate: z.number().positive(),
  eventsPerCompletion: z.number().positive(),
  largest: z.object({ gameDate: z.string(), events: z.number().int().positive() }),
  settleSeconds: z.number().nonnegative(),
});
const ceiling = z.object({ messages: z.number().int().positive(), perSecond: z.number().positive(), seconds: z.number().positive(), retries: z.number().int().nonnegative().optional() });

export const sizeResultSchema = z.object({
  dates: z.number().int().positive(),
  messages: z.number().int().positive(),
  product: z.object({
    /**
     * Distinct message ids of the season that reached a date workflow as a signal (read from the histories after
     * the run), per second from the first publish to the first signal of the last of them. Not the bridge's
     * acknowledged counter: a message Pub/Sub redelivers is acknowledged again and must not count twice.
     */
    ingestPerSecond: z.number().nonnegative(),
    ingestSeconds: z.number().positive(),
    /** Distinct messages of the season signalled to a workflow. */
    ingested: z.number().int().nonnegative(),
    /** Messages of the season no workflow was signalled (never acknowledged by the bridge); 0 on a healthy run. */
    unacknowledged: z.number().int().nonnegative(),
    /** Signals of a message id already signalled: redeliveries the bridge signalled and acknowledged again. */
    duplicateSignals: z.number().int().nonnegative(),
    /** The bridge's acknowledged counter over the run minus `ingested`, when positive (includes late redeliveries). */
    duplicateAcks: z.number().int().nonnegative(),
    /** Up to five messages no workflow was signalled, as `id topic game-date` (absent in older reports). */
    notFound: z.array(z.string()).optional(),
    triggersExpected: z.number().int().positive(),
    triggersReceived: z.number().int().nonnegative(),
    /** Latency with every message published at once (includes the wait behind the backlog). */
    backlogLatencyMs: latency,
    /** The backlog's completion rows landing in BigQuery after its last trigger (absent in older reports). */
    writesDrained: z.object({ expectedRows: z.number().int().nonnegative(), landedRows: z.number().int().nonnegative(), seconds: z.number().nonnegative().nullable() }).optional(),
  }),
  /** A second, paced season on fresh dates: trigger latency when the stack is not saturated. */
  paced: z.object({
    dates: z.number().int().positive(),
    ratePerSecond: z.number().positive(),
    /** Older reports: seconds waited after the backlog run for the task queues to empty before the paced run. */
    idleWaitSeconds: z.number().nonnegative().nullable().optional(),
    /** The paced run began as the backlog's last trigger arrived, and its writes were still landing (absent in older reports). */
    duringBacklogWrites: z.boolean().optional(),
    triggersExpected: z.number().int().positive(),
    triggersReceived: z.number().int().nonnegative(),
    latencyMs: latency,
    /** Triggers over the 250 ms target and when into the paced run (s) they were due (absent in older reports). */
    slow: z.object({ count: z.number().int().nonnegative(), firstDueSeconds: z.number().nullable(), lastDueSeconds: z.number().nullable() }).optional(),
    /** CPU seconds per process during the paced run (absent in older reports). */
    cpuSeconds: z.record(z.string(), z.number()).optional(),
    /** The bridge's signal latency buckets, retries, nacks and deliveries that moved during the paced run (absent in older reports). */
    bridge: z.record(z.string(), z.number()).optional(),
    /** Medians (and 99th percentiles) of each hop of a paced trigger's path, from the paced dates' histories and the bench's own times. */
    breakdown: z.object({
      triggers: z.number().int().nonnegative(),
      /** Completion published → the signal carrying it accepted: Pub/Sub delivery and the bridge (absent in older reports). */
      publishedToSignalMs: z.number().nullable().optional(),
      signalToScheduledMs: z.number().nullable(),
      scheduledToStartedMs: z.number().nullable(),
      startedToCompletedMs: z.number().nullable(),
      /** publishTrigger completed → the trigger received by the bench: Pub/Sub delivery (absent in older reports). */
      completedToReceivedMs: z.number().nullable().optional(),
      /** The same parts' 99th percentiles (absent in older reports). */
      p99: z.record(z.string(), z.number().nullable()).optional(),
      /** The slowest triggers end to end, with their parts (absent in older reports). */
      slowest: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))).optional(),
      /** End-to-end latency per transition (absent in older reports). */
      perTransition: z.record(z.string(), latency).optional(),
    }),
    /** History size of the paced dates, whose messages trickle in as they do in production. */
    history: historySummary,
  }),
  /** Measured first, on the idle stack. signalWithStart: topics interleaved as the bridge sees them, to a task queue no worker polls. */
  ceilings: z.object({ signalWithStart: ceiling, pubsub: ceiling }),
  fractionOfSignalWithStartCeiling: z.number().nonnegative(),
  fractionOfPubsubCeiling: z.number().nonnegative(),
  history: historySummary,
  /** One workflow-cache miss: a replay of a backlog history with the build's bundle (absent in older reports). */
  cacheMiss: z.object({ histories: z.number().int().positive(), stackTraces: z.enum(['on', 'off']).optional(), meanEvents: z.number().nonnegative(), msPerReplay: z.number().nonnegative() }).optional(),
  /** CPU seconds each process used from the start of the product run until its last trigger arrived (until its histories settled in older reports). */
  cpuSeconds: z.record(z.string(), z.number().nonnegative()),
  /** The machine's 1-minute load average when the size started and ended: the figures are only as quiet as the machine. */
  loadAverage: z.object({ start: z.number().nonnegative(), end: z.number().nonnegative() }).optional(),
  /** Peak resident memory while the season ran, process trees included, in MB. */
  peakRssMb: z.object({ worker: z.number().positive(), bridge: z.number().positive(), total: z.number().positive() }),
});

export const benchReportSchema = z.object({
  version: z.literal(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  quick: z.boolean(),
  commit: z.string(),
  machine: z.object({ cpuModel: z.string(), cpus: z.number().int().positive(), memoryGb: z.number().positive(), os: z.string(), node: z.string() }),
  settings: z.record(z.string(), z.unknown()),
  sizes: z.array(sizeResultSchema).min(1),
});

export type SizeResult = z.infer<typeof sizeResultSchema>;
export type BenchReport = z.infer<typeof benchReportSchema>;

export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit}+dirty` : commit;
  } catch {
    return 'unknown';
  }
}

const ms = (value: number | null): string => (value === null ? '–' : `${Math.round(value)}`);
const rate = (value: number): string => value.toFixed(0);
const pct = (value: number): string => `${Math.round(value * 100)}%`;

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---:')), ...rows.map(line)].join('\n');
}

function drained(s: BenchReport['sizes'][number]): string {
  const w = s.product.writesDrained;
  if (!w) return '–';
  return w.seconds === null ? `not within the wait (${w.landedRows}/${w.expectedRows} rows)` : w.seconds.toFixed(1);
}

/** Two Markdown tables: throughput and latency; history and memory. Printed and pasted into the README. */
export function formatTables(report: BenchReport): string {
  const throughput = markdownTable(
    ['dates', 'messages', 'ingest/s', 'signalWithStart ceiling/s', 'of ceiling', 'Pub/Sub ceiling/s', 'of ceiling', 'triggers', 'latency p50 / p95 / p99 / max ms (paced, during the backlog writes)', 'paced rate/s', 'backlog p99 ms', 'writes drained after last backlog trigger s'],
    report.sizes.map((s) => [
      `${s.dates}`,
      `${s.messages}`,
      rate(s.product.ingestPerSecond),
      rate(s.ceilings.signalWithStart.perSecond),
      pct(s.fractionOfSignalWithStartCeiling),
      rate(s.ceilings.pubsub.perSecond),
      pct(s.fractionOfPubsubCeiling),
      `${s.product.triggersReceived + s.paced.triggersReceived}/${s.product.triggersExpected + s.paced.triggersExpected}`,
      [s.paced.latencyMs.p50, s.paced.latencyMs.p95, s.paced.latencyMs.p99, s.paced.latencyMs.max].map(ms).join(' / '),
      rate(s.paced.ratePerSecond),
      ms(s.product.backlogLatencyMs.p99),
      drained(s),
    ]),
  );
  const history = markdownTable(
    ['dates', 'events/date', 'events/completion', 'largest history', 'paced events/completion', 'worker peak RSS MB', 'bridge peak RSS MB', 'worker+bridge MB'],
    report.sizes.map((s) => [
      `${s.dates}`,
      s.history.eventsPerDate.toFixed(1),
      s.history.eventsPerCompletion.toFixed(2),
      `${s.history.largest.events}`,
      s.paced.history.eventsPerCompletion.toFixed(2),
      s.peakRssMb.worker.toFixed(0),
      s.peakRssMb.bridge.toFixed(0),
      s.peakRssMb.total.toFixed(0),
    ]),
  );
  const m = report.machine;
  const footnote =
    'Ceilings, measured first on the idle stack: signalWithStart = plain client loop, no worker polling, interleaved topics; ' +
    'Pub/Sub = publish → streaming pull → ack, no Temporal. Ingest/s counts distinct message ids signalled to the date workflows (from their histories).';
  return `${throughput}\n\n${footnote}\n\n${history}\n\nMachine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; commit ${report.commit}; ${report.startedAt}.`;
}
