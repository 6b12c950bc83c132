/**
 * A TCP proxy on loopback between a service and one dependency, so a chaos run can slow or cut that link
 * without touching either side. `delay` holds every chunk for a while in both directions; `cut` drops every
 * open connection and black-holes new ones (accepted, never answered) until it ends, the way a partition
 * looks from the client: timeouts, not refusals.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../../local-stack/ports';

export interface TcpProxy {
  name: string;
  /** `host:port` to give the service instead of the dependency's. */
  address: string;
  delay(ms: number): void;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(name: string, upstream: string): Promise<TcpProxy> {
  const [upstreamHost, upstreamPort] = splitAddress(upstream);
  const open = new Set<Socket>();
  const blackHoled = new Set<Socket>();
  let delayMs = 0;
  let cut = false;

  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (delayMs === 0) to.write(chunk);
      else {
        // Pausing keeps chunks in order while one waits.
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
      }
    });
  };

  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      blackHoled.add(client);
      client.on('close', () => blackHoled.delete(client));
      client.on('data', () => undefined);
      return;
    }
    const target = connect(upstreamPort, upstreamHost);
    target.on('error', () => client.destroy());
    client.on('error', () => target.destroy());
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
    open.add(client);
    client.on('close', () => open.delete(client));
    forward(client, target);
    forward(target, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    name,
    address: `${LOOPBACK}:${port}`,
    delay: (ms) => {
      delayMs = ms;
    },
    cut: () => {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    heal: () => {
      cut = false;
      delayMs = 0;
      for (const socket of blackHoled) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...open, ...blackHoled]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return [url.hostname, Number(url.port)];
}
