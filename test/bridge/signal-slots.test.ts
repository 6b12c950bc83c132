import assert from 'node:assert/strict';
import { bridgeEnvShape } from '../../bridge/bridge-config';
import { SignalSlots } from '../../bridge/signal-slots';
import { parseServiceEnv } from '../../service/service-environment';

describe('bridge signal slots', () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('grants up to its size at once; the rest wait until a slot is released', async () => {
    const slots = new SignalSlots(2);
    const granted: string[] = [];
    const take = (name: string, live: boolean) => slots.acquire(live).then((release) => (granted.push(name), release));
    const [a, b] = await Promise.all([take('a', false), take('b', false)]);
    const c = take('c', false);
    await settle();
    assert.deepEqual(granted, ['a', 'b']);
    assert.deepEqual([slots.inUse, slots.queued], [2, 1]);
    a();
    a(); // a second release of the same slot frees nothing more
    await c;
    assert.deepEqual(granted, ['a', 'b', 'c']);
    assert.deepEqual([slots.inUse, slots.queued], [2, 0]);
    b();
    assert.equal(slots.inUse, 1);
  });

  it('hands a freed slot to a waiting live date before every waiting backlog date, each kind in arrival order', async () => {
    const slots = new SignalSlots(1);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const take = (name: string, live: boolean) => void slots.acquire(live).then((release) => (order.push(name), releases.set(name, release)));
    take('held', false);
    await settle();
    take('backlog-1', false);
    take('backlog-2', false);
    take('live-1', true);
    take('live-2', true);
    for (const name of ['held', 'live-1', 'live-2', 'backlog-1']) {
      releases.get(name)!();
      await settle();
    }
    assert.deepEqual(order, ['held', 'live-1', 'live-2', 'backlog-1', 'backlog-2']);
  });

  it('refuses a size below one', () => {
    assert.throws(() => new SignalSlots(0), RangeError);
  });

  it('is 100 by default and refuses 0, naming the variable', () => {
    const base = { GOOGLE_CLOUD_PROJECT: 'nba-local' };
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, base).BRIDGE_MAX_SIGNALS_IN_FLIGHT, 100);
    assert.throws(() => parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_MAX_SIGNALS_IN_FLIGHT: '0' }), /BRIDGE_MAX_SIGNALS_IN_FLIGHT is invalid/);
  });
});
