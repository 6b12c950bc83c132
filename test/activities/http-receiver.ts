/** A loopback HTTP server for tests: records every request and answers with a programmable status. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
}

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order; once used up, `fallback` answers. */
  replies: Reply[];
  fallback: Reply;
  close(): Promise<void>;
}

export async function startHttpReceiver(fallback: Reply = { status: 200, body: 'ok' }): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Partial<HttpReceiver> = { requests, replies: [], fallback };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = receiver.replies?.shift() ?? receiver.fallback ?? { status: 200 };
      res.writeHead(reply.status, { 'content-type': 'text/plain' });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as HttpReceiver;
}

/** A loopback port with nothing listening, for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
