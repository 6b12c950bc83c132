import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { devServerEnv, testStack, timeSkippingEnv } from '../harness';

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (connected: boolean): void => {
      socket.destroy();
      resolve(connected);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function portOf(address: string): number {
  return Number(new URL(address.includes('://') ? address : `tcp://${address}`).port);
}

describe('smoke: servers listen on loopback only', function () {
  this.timeout(30_000);

  it('answers on 127.0.0.1 and refuses on the machine\'s other address', async function () {
    const external = externalAddress();
    if (!external) this.skip();
    const stack = testStack();
    const ports = [
      portOf(stack.temporalAddress),
      portOf(stack.temporalUiUrl),
      portOf(stack.pubsubEmulatorHost),
      portOf(stack.firestoreEmulatorHost),
      portOf(stack.bigqueryApiEndpoint),
      portOf((await timeSkippingEnv()).address),
      portOf((await devServerEnv()).address),
    ];
    for (const port of ports) {
      assert.ok(await reachable('127.0.0.1', port), `nothing answers on 127.0.0.1:${port}`);
      assert.equal(await reachable(external, port), false, `port ${port} is reachable on ${external}`);
    }
  });
});
