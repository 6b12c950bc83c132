/**
 * The prediction coordinator Phase 4→5 calls over HTTP (`POST <url>/start`), with the failures a chaos run
 * switches on: 5xx, never answering, or 400 to everything. Every call is kept with the answer it got.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../../local-stack/ports';

export type CoordinatorMode = 'ok' | '5xx' | 'timeout' | '400';

export interface CoordinatorCall {
  triggerId: string;
  gameDate: string;
  status: number | 'no_answer';
  at: number;
}

export interface PredictionCoordinator {
  url: string;
  mode: CoordinatorMode;
  calls: CoordinatorCall[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startPredictionCoordinator(): Promise<PredictionCoordinator> {
  const coordinator = { mode: 'ok' as CoordinatorMode, calls: [] as CoordinatorCall[] };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req).catch(() => '');
      let gameDate = '';
      try {
        const value = (JSON.parse(body) as { game_date?: unknown }).game_date;
        gameDate = typeof value === 'string' ? value : '';
      } catch {
        // Kept as an empty date: the audit reports it.
      }
      const call: CoordinatorCall = { triggerId: String(req.headers['x-trigger-id'] ?? ''), gameDate, status: 'no_answer', at: Date.now() };
      coordinator.calls.push(call);
      // Mode is read once per call: a call that arrived during an outage keeps the outage's answer.
      const mode = coordinator.mode;
      if (mode === 'timeout') return; // The caller's own timeout ends it.
      call.status = mode === '5xx' ? 503 : mode === '400' ? 400 : 202;
      res.writeHead(call.status, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: call.status === 202 }));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return Object.assign(coordinator, {
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
