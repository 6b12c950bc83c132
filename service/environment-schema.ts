/**
 * Every setting read from the environment goes through one zod pattern: a shape of named variables, each
 * with a description, parsed at start into one readable error naming each missing or invalid variable.
 * Values are never repeated in the error (some are secrets: webhook URLs carry tokens).
 */
import { z } from 'zod';

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

export const DEFAULT_TASK_QUEUE = 'phase-orchestrator';

/**
 * Where Temporal is, how to reach it securely, and which task queue the date workflows run on: every process
 * that talks to Temporal (worker, bridge, operator CLI). The names follow the Temporal CLI's environment
 * variables. TLS is on when TEMPORAL_TLS=1 or any certificate, CA or API key is given; the files are read
 * by `temporalConnectionOptions` (service/temporal-connection.ts).
 */
export const temporalEnvShape = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE).describe('task queue of the game-date workflows'),
  TEMPORAL_TLS: z.enum(['0', '1']).optional().describe('1: connect with TLS (implied by the settings below)'),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional().describe("PEM file of the CA that signed the server's certificate"),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe("name checked against the server's certificate, when the address does not carry it"),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional().describe('PEM file of the client certificate (mTLS; with TEMPORAL_TLS_CLIENT_KEY_PATH)'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional().describe('PEM file of the client key (mTLS; with TEMPORAL_TLS_CLIENT_CERT_PATH)'),
  TEMPORAL_API_KEY: z.string().min(1).optional().describe('API key (Temporal Cloud); a secret, never logged'),
};

export const portNumber = z.coerce.number().int().min(0).max(65535);

export function portVar(defaultPort: number, what: string): z.ZodDefault<typeof portNumber> {
  return portNumber.default(defaultPort).describe(what);
}

/** Validates the environment against a shape; empty strings count as unset. Throws one EnvironmentError. */
export function parseEnvironment<Shape extends z.ZodRawShape>(shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  const present = Object.fromEntries(Object.keys(shape).flatMap((key) => (env[key]?.trim() ? [[key, env[key].trim()]] : [])));
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const meaning = (shape[name] as z.ZodType | undefined)?.description;
    return present[name] === undefined
      ? `environment variable ${name} is missing${meaning ? ` (${meaning})` : ''}`
      : `environment variable ${name} is invalid: ${issue.message}${meaning ? ` (${meaning})` : ''}`;
  });
  throw new EnvironmentError(problems.join('; '));
}
