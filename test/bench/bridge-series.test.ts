import assert from 'node:assert/strict';
import { bridgeSeriesDelta } from '../../bench/bench-environment';

describe('bench: the bridge series that moved during a run', () => {
  it('sums topics away and leaves out what did not move', () => {
    const before = new Map([
      ['bridge_messages_received_total{topic="a"}', 10],
      ['bridge_messages_received_total{topic="b"}', 5],
      ['bridge_signal_retries_total{topic="a"}', 2],
      ['bridge_signal_latency_seconds_bucket{le="1",outcome="accepted"}', 7],
    ]);
    const after = new Map([
      ['bridge_messages_received_total{topic="a"}', 13],
      ['bridge_messages_received_total{topic="b"}', 9],
      ['bridge_signal_retries_total{topic="a"}', 2],
      ['bridge_signal_latency_seconds_bucket{le="1",outcome="accepted"}', 8.5],
      ['bridge_messages_nacked_total{topic="c",reason="error"}', 1],
    ]);
    assert.deepEqual(bridgeSeriesDelta(before, after), {
      bridge_messages_received_total: 7,
      'bridge_signal_latency_seconds_bucket{le="1",outcome="accepted"}': 1.5,
      'bridge_messages_nacked_total{reason="error"}': 1,
    });
  });
});
