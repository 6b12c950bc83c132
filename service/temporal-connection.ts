/**
 * The Temporal connection every process builds from its validated environment (`temporalEnvShape`): plaintext
 * for the local stack; TLS with a private CA and a client certificate for a self-hosted cluster (mTLS); TLS
 * with an API key for Temporal Cloud. Certificate files are read here, once, so a missing file fails the start
 * with its variable named. The API key is passed to the SDK only: never logged, never in workflow history.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { EnvironmentError, type temporalEnvShape } from './environment-schema';
import type { z } from 'zod';

export type TemporalEnv = z.infer<z.ZodObject<typeof temporalEnvShape>>;

/** What `Connection.connect`, `Connection.lazy` and `NativeConnection.connect` take. */
export interface TemporalConnectionOptions {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new EnvironmentError(`environment variable ${variable} names a file that cannot be read (${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

export function temporalConnectionOptions(env: TemporalEnv): TemporalConnectionOptions {
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new EnvironmentError('environment variables TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together (mTLS needs both)');
  }
  const wantsTls = env.TEMPORAL_TLS === '1' || Boolean(certPath || env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || env.TEMPORAL_TLS_SERVER_NAME || env.TEMPORAL_API_KEY);
  if (env.TEMPORAL_TLS === '0' && wantsTls && (certPath || env.TEMPORAL_API_KEY)) {
    throw new EnvironmentError('environment variable TEMPORAL_TLS is 0, but a client certificate or API key is set: they are only sent over TLS');
  }
  const tls: TLSConfig | false =
    env.TEMPORAL_TLS === '0' || !wantsTls
      ? false
      : {
          ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
          ...(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? { serverRootCACertificate: readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', env.TEMPORAL_TLS_SERVER_CA_CERT_PATH) } : {}),
          ...(certPath && keyPath ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath), key: readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath) } } : {}),
        };
  return { address: env.TEMPORAL_ADDRESS, tls, ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}) };
}

/** How the connection is secured, for log lines and errors (no secret, no file content). */
export function describeTemporalConnection(options: TemporalConnectionOptions): string {
  if (!options.tls) return `${options.address}, plaintext`;
  const parts = ['TLS', options.tls.clientCertPair ? 'client certificate' : null, options.apiKey ? 'API key' : null, options.tls.serverRootCACertificate ? 'private CA' : null];
  return `${options.address}, ${parts.filter(Boolean).join(' + ')}`;
}

/** A connection attempt that failed, as one line naming where and how it tried. */
export function temporalConnectError(options: TemporalConnectionOptions, error: unknown): string {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `cannot connect to Temporal at ${describeTemporalConnection(options)}: ${reason}`;
}

/** A client for a command-line tool: connected within 5 s, or an error of one line naming where and how it tried. */
export async function connectTemporalClient(env: TemporalEnv): Promise<Client> {
  const options = temporalConnectionOptions(env);
  const connection = await Connection.connect({ ...options, connectTimeout: '5s' }).catch((error: unknown) => {
    throw new Error(`${temporalConnectError(options, error)} (set TEMPORAL_ADDRESS and the TEMPORAL_TLS_* variables)`, { cause: error });
  });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}
