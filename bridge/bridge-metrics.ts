/** Prometheus metrics of the bridge (prom-client), served at `/metrics`. */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface BridgeMetrics {
  registry: Registry;
  received: Counter<'topic'>;
  acknowledged: Counter<'topic' | 'outcome'>;
  nacked: Counter<'topic' | 'reason'>;
  signalRetries: Counter<'topic'>;
  redelivered: Counter<'topic'>;
  deadLettered: Counter<'topic'>;
  deadLetterAlerts: Counter<'topic' | 'kind' | 'outcome'>;
  deadLettersAwaitingAlert: Gauge;
  signalLatency: Histogram<'outcome'>;
  signalBatchSize: Histogram;
  temporalReachable: Gauge;
  inFlight: Gauge;
  signalSlots: Gauge<'state'>;
}

export function createBridgeMetrics(buildId: string): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
  const registers = [registry];
  new Gauge({ name: 'bridge_info', help: 'Build of this bridge', labelNames: ['build_id'], registers }).set({ build_id: buildId }, 1);
  return {
    registry,
    received: new Counter({ name: 'bridge_messages_received_total', help: 'Completion messages delivered by Pub/Sub', labelNames: ['topic'], registers }),
    acknowledged: new Counter({
      name: 'bridge_messages_acknowledged_total',
      help: 'Messages acknowledged, by outcome (signalled: Temporal accepted the signal; already_signalled: a redelivery of one this process signalled; dead_lettered: moved to the DLQ)',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    nacked: new Counter({ name: 'bridge_messages_nacked_total', help: 'Messages handed back for redelivery', labelNames: ['topic', 'reason'], registers }),
    signalRetries: new Counter({ name: 'bridge_signal_retries_total', help: 'Signals tried again for a held message while Temporal did not answer', labelNames: ['topic'], registers }),
    redelivered: new Counter({ name: 'bridge_messages_redelivered_total', help: 'Deliveries of a message id this process had already seen', labelNames: ['topic'], registers }),
    deadLettered: new Counter({ name: 'bridge_messages_dead_lettered_total', help: 'Invalid messages moved to <topic>-dlq', labelNames: ['topic'], registers }),
    deadLetterAlerts: new Counter({
      name: 'bridge_dead_letter_alerts_total',
      help: 'Alert attempts about dead letters, by kind (first: a dead letter alerted at once; summary: the count of those after it in the window) and outcome (delivered, failed)',
      labelNames: ['topic', 'kind', 'outcome'],
      registers,
    }),
    deadLettersAwaitingAlert: new Gauge({
      name: 'bridge_dead_letters_awaiting_alert',
      help: 'Dead letters acknowledged and counted for a summary alert not delivered yet (its window is open, or it failed and is retried)',
      registers,
    }),
    signalLatency: new Histogram({
      name: 'bridge_signal_latency_seconds',
      help: 'Time of one signalWithStart call',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    signalBatchSize: new Histogram({
      name: 'bridge_signal_batch_size',
      help: 'Completions carried by one accepted signal (more than one: messages of a date that waited for its previous signal)',
      buckets: [1, 2, 5, 10, 20, 50, 100],
      registers,
    }),
    temporalReachable: new Gauge({ name: 'bridge_temporal_reachable', help: '1 while the last Temporal call succeeded', registers }),
    inFlight: new Gauge({ name: 'bridge_messages_in_flight', help: 'Messages being handled', registers }),
    signalSlots: new Gauge({
      name: 'bridge_signal_slots',
      help: 'Signals in flight (state "in_use") and dates waiting for a signal slot (state "waiting"), see BRIDGE_MAX_SIGNALS_IN_FLIGHT',
      labelNames: ['state'],
      registers,
    }),
  };
}
