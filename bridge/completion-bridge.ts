/**
 * Pub/Sub → Temporal. Each completion message becomes a `completion` signal on its date's workflow
 * (signalWithStart, so the first message of a date starts it). Rule 1 of the architecture:
 * - a message is acknowledged only after Temporal accepted the signal;
 * - when Temporal does not answer, the message is held and signalled again after a back-off (nacked only
 *   after `maxHoldMs` or at shutdown), so an outage spends none of its delivery attempts;
 * - a message this process already signalled is acknowledged again without a second signal: Pub/Sub
 *   redelivers a message whose acknowledgement came after its lease ran out, and under a backlog signalling
 *   every redelivery again multiplied the load on Temporal;
 * - a message that can never be valid goes to `<topic>-dlq` with the reason, and is acknowledged only once it
 *   is alerted or counted for a summary alert (`DeadLetterAlerts`: a flood is one alert, then a count);
 * - a date has one signal in flight at a time: messages of the date that arrive meanwhile wait and go together in
 *   the next one (`completions`, at most `maxSignalBatch`). A lone message goes at once as a `completion` signal, so
 *   a live date waits for nothing; a backlog's burst costs one signal and one workflow task instead of one each,
 *   and concurrent signals no longer contend for the same workflow.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { Duration } from '@google-cloud/pubsub';
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Alert } from '../activities/activity-contracts';
import { errorSummary } from '../activities/google-error-codes';
import { parseCompletionMessage, type CompletionSignal } from '../contract/completion-message';
import { LIVE_DATE_PRIORITY } from '../contract/date-priority';
import type { PipelineDefinition } from '../contract/pipeline-definition';
import { deadLetterTopicName } from '../contract/pipeline-topics';
import { completionSignal, completionsSignal, GAME_DATE_WORKFLOW_TYPE } from '../workflows/game-date/messages';
import { gameDateStartMetadata } from '../workflows/game-date/start-metadata';
import { gameDateStartOptions, type GameDateStartOptions } from '../workflows/game-date/start-options';
import type { ServiceLogger } from '../service/logger';
import type { BridgeMetrics } from './bridge-metrics';
import { DeadLetterAlerts } from './dead-letter-alerts';
import { SignalSlots } from './signal-slots';
import type { TemporalReachability } from './temporal-reachability';

/**
 * The longest wait before a closed streaming pull is opened again. The client's default is 60 s, and its back-off
 * only resets when a message arrives: a subscription idle for minutes (an emulator before 0.8.32 answers no
 * keepalive, so its idle streams close every 45 s; a flaky network does the same) reached it, and a live date's
 * next completion waited up to a minute to be delivered. Reopening a stream is one local call.
 */
const STREAM_RETRY_MAX_BACKOFF = Duration.from({ millis: 200 });

export interface CompletionBridgeOptions {
  pubsub: PubSub;
  client: Client;
  definition: PipelineDefinition;
  taskQueue: string;
  /** A date this many days or more before today starts at the backlog's lower task priority (contract/date-priority.ts). */
  backlogAgeDays?: number;
  subscriptionName: (topic: string) => string;
  maxInFlight: number;
  /** At most this many messages of one date in one signal; 1 sends each message in a signal of its own. */
  maxSignalBatch: number;
  /** At most this many signals in flight at once, live dates' first (signal-slots.ts); unbounded when absent. */
  maxSignalsInFlight?: number;
  /** Streaming pull streams per subscription (`streamingOptions.maxStreams`). */
  streamsPerSubscription: number;
  ackDeadlineSeconds: number;
  signalTimeoutMs: number;
  /** Also read `<topic>-dlq` (through `subscriptionName`) and alert what Pub/Sub's dead-letter policy moved there. */
  watchDeadLetters?: boolean;
  /** How long a message is held and retried while Temporal does not answer, before it is nacked (below the lease extension). */
  maxHoldMs: number;
  sendAlert: (alert: Alert) => Promise<unknown>;
  /** Window in which further dead letters of the same topic and reason class are summarised in one alert; 0 (default) alerts each. */
  deadLetterAlertWindowMs?: number;
  /** Called for every message received on a completion topic, with its publish time (the silent-topic watchdog records it). */
  onMessage?: (topic: string, publishedAt: number) => void;
  reachability: TemporalReachability;
  metrics: BridgeMetrics;
  log: ServiceLogger;
}

/** A no-op until service/tracing.ts registers a provider (tracing on). */
const tracer = trace.getTracer('phase-orchestrator-bridge');

/** Dead-letter attribute values are bounded (Pub/Sub allows 1024 bytes per value). */
const MAX_REASON_CHARS = 900;
const SEEN_IDS_LIMIT = 50_000;

type SignalOutcome = 'signalled' | 'temporal_unavailable' | 'shutting_down';

/** A valid message waiting for its date's turn to be signalled. */
interface QueuedCompletion {
  signal: CompletionSignal;
  topic: string;
  heldSince: number;
  /** The message's `process` span context: a batch's signal continues the trace of its first message. */
  trace: Context;
  settle: (outcome: SignalOutcome) => void;
  fail: (error: unknown) => void;
}

export class CompletionBridge {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly subscriptionErrors = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly seenIds = new Set<string>();
  /** Ids Temporal accepted a signal for: durably in a history, so a redelivery needs only its ack. */
  private readonly signalledIds = new Set<string>();
  /** Per date with a signal in flight: the messages that arrived since, waiting to go in its next signal. */
  private readonly waitingByDate = new Map<string, QueuedCompletion[]>();
  private readonly stopping = new AbortController();
  private consecutiveFailures = 0;
  private readonly slots: SignalSlots | null;
  private readonly deadLetterAlerts: DeadLetterAlerts;
  private deadLetterTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CompletionBridgeOptions) {
    const { metrics } = options;
    this.slots = options.maxSignalsInFlight === undefined ? null : new SignalSlots(options.maxSignalsInFlight);
    this.deadLetterAlerts = new DeadLetterAlerts({
      windowMs: options.deadLetterAlertWindowMs ?? 0,
      sendAlert: options.sendAlert,
      onAlert: (kind, topic, delivered) => metrics.deadLetterAlerts.inc({ topic, kind, outcome: delivered ? 'delivered' : 'failed' }),
    });
  }

  start(): void {
    const windowMs = this.options.deadLetterAlertWindowMs ?? 0;
    if (windowMs > 0) {
      // Ends windows close to on time without a busy loop; a failed summary is retried on its own schedule.
      const tickMs = Math.min(Math.max(windowMs / 10, 1_000), 15_000);
      this.deadLetterTimer = setInterval(() => void this.flushDeadLetterAlerts(), tickMs);
      this.deadLetterTimer.unref();
    }
    for (const transition of this.options.definition.transitions) {
      this.open(transition.completionTopic, (topic, message) => this.handle(topic, message));
      if (this.options.watchDeadLetters) this.open(deadLetterTopicName(transition.completionTopic), (topic, message) => this.watchDeadLetter(topic, message));
    }
  }

  /**
   * A message on a dead-letter topic. The bridge's own dead letters carry `dlq_reason` and were alerted when it
   * moved them. One without it was moved by Pub/Sub (the subscription's dead-letter policy): delivered
   * BRIDGE_MAX_DELIVERY_ATTEMPTS times without an acknowledgement, which nobody would otherwise hear of.
   */
  private async watchDeadLetter(topic: string, message: Message): Promise<void> {
    if (message.attributes.dlq_reason) return message.ack();
    const attempts = message.attributes.CloudPubSubDeadLetterSourceDeliveryCount ?? 'too many';
    const source = message.attributes.CloudPubSubDeadLetterSourceSubscription ?? 'its subscription';
    try {
      await this.options.sendAlert({
        severity: 'critical',
        title: `Pub/Sub moved a completion to ${topic}`,
        text: `Message ${message.id} was delivered ${attempts} times on ${source} without being acknowledged, so Pub/Sub moved it to ${topic}. The bridge crashed on it or could neither signal nor dead-letter it each time: look for it in the bridge's logs, fix the cause, then republish it.`,
        gameDate: bodyFields(message.data).gameDate,
        dedupKey: `bridge:dead-lettered-by-pubsub:${topic}:${message.id}`,
        timestamp: new Date().toISOString(),
      });
      this.options.log.error({ ...this.messageFields(topic, message), delivery_attempts: attempts }, `message ${message.id} was moved to ${topic} by Pub/Sub`);
      message.ack();
    } catch (error) {
      // Not alerted: it comes back until someone is told.
      this.options.log.error({ ...this.messageFields(topic, message), error: errorSummary(error) }, `ALERT NOT DELIVERED for dead letter ${message.id}`);
      message.nack();
    }
  }

  /** Names of the subscriptions and the topics they read. */
  describe(): { topic: string; subscription: string }[] {
    return [...this.subscriptions.keys()].map((topic) => ({ topic, subscription: this.options.subscriptionName(topic) }));
  }

  /** Unhealthy while a dead-letter summary alert that is due could not be delivered. */
  deadLetterAlertHealth(): { healthy: boolean; error: string | null } {
    return this.deadLetterAlerts.health();
  }

  private async flushDeadLetterAlerts(options: { all?: boolean } = {}): Promise<void> {
    await this.deadLetterAlerts.flush(options);
    this.options.metrics.deadLettersAwaitingAlert.set(this.deadLetterAlerts.awaitingAlert());
  }

  /** Pub/Sub side of the health answer: unhealthy while a subscription is broken. */
  subscriptionHealth(): { healthy: boolean; error: string | null } {
    if (this.subscriptionErrors.size === 0) return { healthy: true, error: null };
    return { healthy: false, error: [...this.subscriptionErrors].map(([sub, error]) => `${sub}: ${error}`).join('; ') };
  }

  /** Stops taking messages, lets in-flight ones finish (bounded), flushes acks and closes the streams. */
  async stop(graceMs: number): Promise<{ drained: boolean }> {
    this.stopping.abort();
    const drained = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    await Promise.allSettled([...this.subscriptions.values()].map((subscription) => subscription.close()));
    clearInterval(this.deadLetterTimer);
    // Dead letters counted for a summary were acknowledged: their summary goes out now, not at the window's end.
    // Bounded: a failing alert path must not keep the process past its termination grace period.
    await Promise.race([this.flushDeadLetterAlerts({ all: true }), new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]);
    const unalerted = this.deadLetterAlerts.awaitingAlert();
    if (unalerted > 0) this.options.log.error({ dead_letters: unalerted, error: this.deadLetterAlerts.health().error }, `ALERT NOT DELIVERED: ${unalerted} dead letter(s) were moved to their -dlq topics without an alert`);
    return { drained };
  }

  private open(topic: string, onMessage: (topic: string, message: Message) => Promise<void>): void {
    const name = this.options.subscriptionName(topic);
    const deadline = Duration.from({ seconds: this.options.ackDeadlineSeconds });
    const subscription = this.options.pubsub.subscription(name, {
      flowControl: { maxMessages: this.options.maxInFlight, allowExcessMessages: false },
      streamingOptions: { maxStreams: this.options.streamsPerSubscription, retryMaxBackoff: STREAM_RETRY_MAX_BACKOFF },
      minAckDeadline: deadline,
      maxAckDeadline: deadline,
      // Leases of held messages are extended for longer than they may be held.
      maxExtensionTime: Duration.from({ millis: this.options.maxHoldMs + 5 * 60_000 }),
    });
    subscription.on('message', (message: Message) => this.track(onMessage(topic, message)));
    subscription.on('error', (error: unknown) => {
      // Retryable stream errors are retried inside the client; what arrives here stopped the stream.
      const summary = errorSummary(error);
      this.subscriptionErrors.set(name, summary);
      this.options.log.error({ subscription: name, topic, error: summary }, `subscription ${name} failed: ${summary}; reopening in 10 s`);
      void this.options
        .sendAlert({
          severity: 'critical',
          title: `Bridge lost its subscription ${name}`,
          text: `Streaming pull on ${name} (topic ${topic}) stopped: ${summary}. No completion of that topic reaches the orchestrator until it is back; check the subscription and the bridge's permissions.`,
          dedupKey: `bridge:subscription:${name}:${summary.slice(0, 60)}`,
          timestamp: new Date().toISOString(),
        })
        .catch((alertError: unknown) => this.options.log.error({ subscription: name, topic, error: errorSummary(alertError) }, `ALERT NOT DELIVERED for ${name}`));
      subscription.removeAllListeners();
      void subscription.close().catch(() => undefined);
      this.subscriptions.delete(topic);
      const retry = setTimeout(() => {
        if (this.stopping.signal.aborted) return;
        this.subscriptionErrors.delete(name);
        this.open(topic, onMessage);
      }, 10_000);
      retry.unref();
    });
    this.subscriptions.set(topic, subscription);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    this.options.metrics.inFlight.set(this.inFlight.size);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.options.metrics.inFlight.set(this.inFlight.size);
    });
  }

  /**
   * One span per delivery, from its receipt to the accepted signal (or the dead letter, or the nack), with the
   * message's date, transition, trace id and message id; the signal's own span (the client interceptor) is its child
   * and carries the trace into the date's workflow.
   */
  private async handle(topic: string, message: Message): Promise<void> {
    const span = tracer.startSpan(`process ${topic}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'gcp_pubsub',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.message.id': message.id,
      },
    });
    if (span.isRecording()) span.setAttributes(this.spanFields(topic, message));
    try {
      await context.with(trace.setSpan(context.active(), span), () => this.process(topic, message, span));
    } finally {
      span.end();
    }
  }

  private async process(topic: string, message: Message, span: Span): Promise<void> {
    const { metrics } = this.options;
    metrics.received.inc({ topic });
    this.options.onMessage?.(topic, message.publishTime.getTime());
    if (this.seenIds.has(message.id)) metrics.redelivered.inc({ topic });
    else remember(this.seenIds, message.id);
    try {
      if (this.stopping.signal.aborted) {
        this.nack(topic, message, 'shutting_down', span);
        return;
      }
      if (this.signalledIds.has(message.id)) {
        message.ack();
        metrics.acknowledged.inc({ topic, outcome: 'already_signalled' });
        span.setAttribute('orchestrator.outcome', 'already_signalled');
        return;
      }
      const parsed = parseCompletionMessage(message.data);
      if (!parsed.ok) {
        span.setAttribute('orchestrator.outcome', 'dead_lettered');
        span.setStatus({ code: SpanStatusCode.ERROR, message: `invalid message: ${parsed.reason.slice(0, 200)}` });
        await this.deadLetter(topic, message, parsed.reason);
        return;
      }
      const signal: CompletionSignal = { messageId: message.id, topic, publishTime: message.publishTime.toISOString(), message: parsed.message };
      const outcome = await this.signalInTurn(topic, signal);
      if (outcome !== 'signalled') return this.nack(topic, message, outcome, span);
      remember(this.signalledIds, message.id);
      message.ack();
      span.setAttribute('orchestrator.outcome', 'signalled');
      this.options.log.debug(this.messageFields(topic, message), 'signalled');
      metrics.acknowledged.inc({ topic, outcome: 'signalled' });
    } catch (error) {
      // Whatever went wrong, the message must come back rather than vanish.
      this.options.log.warn({ ...this.messageFields(topic, message), error: errorSummary(error) }, `message ${message.id} on ${topic} could not be handled; nacked`);
      span.recordException(error instanceof Error ? error : String(error));
      this.nack(topic, message, 'error', span);
    }
  }

  /**
   * Resolves once Temporal accepted a signal carrying this completion, or with the reason to hand it back. While
   * Temporal does not answer, the message is held and signalled again after a back-off, not nacked: the client keeps
   * extending its lease and flow control stops intake, so an outage costs no delivery attempt (a subscription's
   * dead-letter policy counts those) and no redelivery storm. Held longer than maxHoldMs, or when the bridge stops,
   * it goes back to Pub/Sub.
   */
  private signalInTurn(topic: string, signal: CompletionSignal): Promise<SignalOutcome> {
    return new Promise<SignalOutcome>((settle, fail) => {
      const queued: QueuedCompletion = { signal, topic, heldSince: Date.now(), trace: context.active(), settle, fail };
      const gameDate = signal.message.game_date;
      const waiting = this.waitingByDate.get(gameDate);
      if (waiting) {
        waiting.push(queued);
        return;
      }
      const queue: QueuedCompletion[] = [];
      this.waitingByDate.set(gameDate, queue);
      void this.sendInTurn(gameDate, [queued], queue);
    });
  }

  /** Signals a date's completions one batch at a time until none waits; then the date has no turn any more. */
  private async sendInTurn(gameDate: string, first: QueuedCompletion[], waiting: QueuedCompletion[]): Promise<void> {
    let batch = first;
    try {
      while (batch.length > 0) {
        await this.signalUntilSettled(gameDate, batch, waiting);
        batch = waiting.splice(0, this.options.maxSignalBatch);
      }
    } catch (error) {
      for (const queued of [...batch, ...waiting.splice(0)]) queued.fail(error);
    } finally {
      this.waitingByDate.delete(gameDate);
    }
  }

  private async signalUntilSettled(gameDate: string, batch: QueuedCompletion[], waiting: QueuedCompletion[]): Promise<void> {
    const { metrics, definition } = this.options;
    // One decision for the start's queue and priority and for the date's place in the slot queue.
    const start = gameDateStartOptions(definition, gameDate, { taskQueue: this.options.taskQueue, now: Date.now(), backlogAgeDays: this.options.backlogAgeDays });
    const live = start.priority.priorityKey === LIVE_DATE_PRIORITY;
    for (;;) {
      const release = await this.signalSlot(live);
      // What arrived while the date waited for a slot, or during a back-off, goes along.
      batch.push(...waiting.splice(0, this.options.maxSignalBatch - batch.length));
      let accepted: boolean;
      try {
        accepted = await this.signal(gameDate, start, batch);
      } finally {
        release();
      }
      if (accepted) {
        for (const queued of batch) queued.settle('signalled');
        return;
      }
      const now = Date.now();
      // In place, like the top-up above: the caller fails what is left in `batch` if this throws.
      for (const queued of batch.filter((q) => now - q.heldSince >= this.options.maxHoldMs)) {
        queued.settle('temporal_unavailable');
        batch.splice(batch.indexOf(queued), 1);
      }
      if (batch.length === 0) return;
      await this.backOff();
      if (this.stopping.signal.aborted) {
        for (const queued of batch) queued.settle('shutting_down');
        return;
      }
      for (const queued of batch) metrics.signalRetries.inc({ topic: queued.topic });
    }
  }

  /** A signal slot's release, once the date has one (at once when the bridge has no bound). */
  private async signalSlot(live: boolean): Promise<() => void> {
    const { slots } = this;
    if (!slots) return () => undefined;
    const gauge = this.options.metrics.signalSlots;
    const report = () => {
      gauge.set({ state: 'in_use' }, slots.inUse);
      gauge.set({ state: 'waiting' }, slots.queued);
    };
    const granted = slots.acquire(live);
    report();
    const release = await granted;
    report();
    return () => {
      release();
      report();
    };
  }

  /** True once Temporal accepted the signal (durably recorded in the date's history). */
  private async signal(gameDate: string, start: GameDateStartOptions, batch: QueuedCompletion[]): Promise<boolean> {
    const { client, definition, metrics } = this.options;
    const options = {
      ...start,
      // Only a start uses them: what the Web UI shows at the top of the date's page.
      ...gameDateStartMetadata(definition, gameDate, { kind: 'bridge' }),
    };
    const signals = batch.map((queued) => queued.signal);
    const started = performance.now();
    try {
      await context.with(batch[0]!.trace, () =>
        client.withDeadline(Date.now() + this.options.signalTimeoutMs, () =>
          signals.length === 1
            ? client.workflow.signalWithStart(GAME_DATE_WORKFLOW_TYPE, { ...options, signal: completionSignal, signalArgs: [signals[0]!] })
            : client.workflow.signalWithStart(GAME_DATE_WORKFLOW_TYPE, { ...options, signal: completionsSignal, signalArgs: [signals] }),
        ),
      );
      metrics.signalLatency.observe({ outcome: 'accepted' }, (performance.now() - started) / 1000);
      metrics.signalBatchSize.observe(signals.length);
      this.consecutiveFailures = 0;
      this.options.reachability.succeeded();
      return true;
    } catch (error) {
      metrics.signalLatency.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
      this.consecutiveFailures += 1;
      this.options.reachability.failed(error);
      return false;
    }
  }

  private async deadLetter(topic: string, message: Message, reason: string): Promise<void> {
    const dlq = deadLetterTopicName(topic);
    const boundedReason = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
    await this.options.pubsub.topic(dlq).publishMessage({
      data: message.data,
      attributes: { dlq_reason: boundedReason, source_topic: topic, source_message_id: message.id },
    });
    this.options.metrics.deadLettered.inc({ topic });
    this.options.log.warn({ ...this.messageFields(topic, message), reason: boundedReason, dead_letter_topic: dlq }, `message ${message.id} on ${topic} is invalid; moved to ${dlq}`);
    // Throws when the alert went nowhere and no summary covers it: then the message is nacked and dead-lettered
    // again later, which is better than an invalid message nobody hears about.
    const gameDate = bodyFields(message.data).gameDate;
    await this.deadLetterAlerts.report({ topic, deadLetterTopic: dlq, messageId: message.id, reason: boundedReason, ...(gameDate ? { gameDate } : {}) });
    this.options.metrics.deadLettersAwaitingAlert.set(this.deadLetterAlerts.awaitingAlert());
    message.ack();
    this.options.metrics.acknowledged.inc({ topic, outcome: 'dead_lettered' });
  }

  /**
   * What a log line about this message carries: its id and topic, its date, transition and correlation id where
   * known, and with tracing on the trace and span of its `process` span.
   */
  private messageFields(topic: string, message: Message): Record<string, string | undefined> {
    const body = bodyFields(message.data);
    const span = trace.getActiveSpan()?.spanContext();
    return {
      message_id: message.id,
      topic,
      transition: this.transitionOf(topic),
      game_date: body.gameDate,
      correlation_id: body.correlationId,
      ...(span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {}),
    };
  }

  /** The span's own attributes: date, transition and correlation id, each where known. */
  private spanFields(topic: string, message: Message): Record<string, string> {
    const body = bodyFields(message.data);
    const transition = this.transitionOf(topic);
    return {
      ...(body.gameDate ? { game_date: body.gameDate } : {}),
      ...(transition ? { transition } : {}),
      ...(body.correlationId ? { correlation_id: body.correlationId } : {}),
    };
  }

  private transitionOf(topic: string): string | undefined {
    return this.options.definition.transitions.find((t) => t.completionTopic === topic)?.name;
  }

  private nack(topic: string, message: Message, reason: string, span?: Span): void {
    message.nack();
    this.options.metrics.nacked.inc({ topic, reason });
    span?.setAttribute('orchestrator.outcome', `nacked_${reason}`);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: `nacked: ${reason}` });
  }

  /** Holds a failed message briefly so an outage does not turn into a tight redelivery loop. */
  private async backOff(): Promise<void> {
    const delayMs = Math.min(500 * 2 ** Math.min(this.consecutiveFailures, 5), 10_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.stopping.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}

/** Adds to a bounded set of message ids; when full it starts over, which costs at most a repeated signal. */
function remember(ids: Set<string>, id: string): void {
  if (ids.size >= SEEN_IDS_LIMIT) ids.clear();
  ids.add(id);
}

/** The message's game_date (when it is a proper date) and correlation_id, read leniently from a body that may be invalid. */
function bodyFields(data: Buffer): { gameDate?: string; correlationId?: string } {
  try {
    const body = JSON.parse(data.toString('utf8')) as { game_date?: unknown; correlation_id?: unknown };
    return {
      ...(typeof body.game_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(body.game_date) ? { gameDate: body.game_date } : {}),
      ...(typeof body.correlation_id === 'string' ? { correlationId: body.correlation_id } : {}),
    };
  } catch {
    return {};
  }
}
