import { createServer, type Server } from 'node:net';
import { parseEnvironment, portVar } from '../service/environment-schema';

export const LOOPBACK = '127.0.0.1';

export interface StackPorts {
  temporal: number;
  temporalUi: number;
  pubsub: number;
  firestore: number;
  bigquery: number;
  bigqueryGrpc: number;
}

export const DEFAULT_PORTS: StackPorts = {
  temporal: 7233,
  temporalUi: 8233,
  pubsub: 8085,
  firestore: 8080,
  bigquery: 9050,
  bigqueryGrpc: 9060,
};

/** Environment variables that move the developer stack's ports (documented in README). */
export const PORT_ENV: Record<keyof StackPorts, string> = {
  temporal: 'TEMPORAL_PORT',
  temporalUi: 'TEMPORAL_UI_PORT',
  pubsub: 'PUBSUB_EMULATOR_PORT',
  firestore: 'FIRESTORE_EMULATOR_PORT',
  bigquery: 'BIGQUERY_EMULATOR_PORT',
  bigqueryGrpc: 'BIGQUERY_EMULATOR_GRPC_PORT',
};

const KEYS = Object.keys(DEFAULT_PORTS) as (keyof StackPorts)[];

const portsEnvShape = Object.fromEntries(KEYS.map((key) => [PORT_ENV[key], portVar(DEFAULT_PORTS[key], `local ${key} port`)]));

/** The developer stack's ports: the defaults, moved by the variables of PORT_ENV (validated, one error naming each bad one). */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const parsed = parseEnvironment(portsEnvShape, env);
  const ports = { ...DEFAULT_PORTS };
  for (const key of KEYS) ports[key] = parsed[PORT_ENV[key]] ?? DEFAULT_PORTS[key];
  return ports;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Distinct free loopback ports: all are held open together, then released for the services. */
export async function freePorts(): Promise<StackPorts> {
  const servers = await Promise.all(KEYS.map(() => listen(0)));
  const ports = {} as StackPorts;
  KEYS.forEach((key, i) => {
    const address = servers[i]?.address();
    if (!address || typeof address === 'string') throw new Error('could not allocate a free port');
    ports[key] = address.port;
  });
  await Promise.all(servers.map(close));
  return ports;
}

/** A port the stack needs is taken; a test stack retries on other free ports. */
export class PortConflictError extends Error {}

/** Fails with the names of the ports already taken, before anything is started. */
export async function assertPortsFree(ports: StackPorts): Promise<void> {
  const taken: string[] = [];
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    try {
      await close(await listen(ports[key]));
    } catch {
      taken.push(`${ports[key]} (${key}, set ${PORT_ENV[key]} to move it)`);
    }
  }
  if (taken.length > 0) throw new PortConflictError(`Ports already in use on ${LOOPBACK}: ${taken.join(', ')}. Is a stack already running? Try \`npm run stack -- status\`.`);
}
