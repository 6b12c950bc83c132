/**
 * A local stand-in for the alert webhook (`ALERT_WEBHOOK_URL`): a small HTTP server on 127.0.0.1 that
 * prints every alert it receives and keeps them, so the demo and tests can read them back (`GET /alerts`).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookAlertPayload } from '../activities/alert-channels';
import { LOOPBACK } from './ports';

export const DEFAULT_ALERT_SINK_PORT = 8099;

/** What `ALERT_WEBHOOK_URL` receives, plus when the sink received it. */
export interface ReceivedAlert extends WebhookAlertPayload {
  received_at: string;
}

export interface AlertSink {
  url: string;
  port: number;
  alerts: ReceivedAlert[];
  /** While set, every POST is answered with this status and not kept (an alert channel that is down). */
  failWith: number | null;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAlertSink(options: { port?: number; host?: string; print?: (alert: ReceivedAlert) => void } = {}): Promise<AlertSink> {
  const alerts: ReceivedAlert[] = [];
  const state = { failWith: null as number | null };
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url?.startsWith('/alerts')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(alerts));
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      if (state.failWith !== null) {
        res.writeHead(state.failWith).end('alert channel unavailable');
        return;
      }
      try {
        const alert = { ...(JSON.parse(await readBody(req)) as Omit<ReceivedAlert, 'received_at'>), received_at: new Date().toISOString() };
        alerts.push(alert);
        options.print?.(alert);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end('expected a JSON alert');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_ALERT_SINK_PORT, options.host ?? LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/alerts`,
    port,
    alerts,
    get failWith() {
      return state.failWith;
    },
    set failWith(status: number | null) {
      state.failWith = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One readable line per alert, for the `npm start` console. */
export function formatAlert(alert: ReceivedAlert): string {
  const where = [alert.game_date, alert.transition].filter(Boolean).join(' ');
  return `${alert.severity.toUpperCase()}${where ? ` [${where}]` : ''} ${alert.title}: ${alert.text}`;
}
