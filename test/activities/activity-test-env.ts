/**
 * What the activity tests share: Google clients pointed at the emulators of this test run (testStack(), so
 * only stack-backed files can use them), a Temporal activity context to run activities in, and unique
 * names so tests never collide on a topic, collection or date.
 */
import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { testStack } from '../harness';

export function projectId(): string {
  return testStack().projectId;
}

/** The client finds the emulator through PUBSUB_EMULATOR_HOST, which the harness exported with the stack. */
export function testPubSub(): PubSub {
  return new PubSub({ projectId: projectId() });
}

export function testFirestore(host = testStack().firestoreEmulatorHost): Firestore {
  // The client lets FIRESTORE_EMULATOR_HOST override any host setting, read once in the constructor, so a
  // fault test pointing at its own emulator swaps the variable for the construction only.
  const previous = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    return new Firestore({ projectId: projectId() });
  } finally {
    if (previous === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previous;
  }
}

export function testBigQuery(apiEndpoint = testStack().bigqueryApiEndpoint): BigQuery {
  return new BigQuery({ projectId: projectId(), apiEndpoint });
}

export function testDataset(): string {
  return testStack().bigqueryDataset;
}

export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

/** A date string nobody else uses in this run, so concurrent tests never touch the same document or row. */
export function uniqueGameDate(): string {
  const n = Math.floor(Math.random() * 2_000_000);
  const day = new Date(Date.UTC(2030, 0, 1) + n * 86_400_000);
  return day.toISOString().slice(0, 10);
}

const quietLevel: LogLevel = process.env.TEST_ACTIVITY_LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'ERROR';

/** Runs an activity function inside a Temporal activity context (what the worker would give it). */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger(quietLevel) });
  return env.run(fn, ...args);
}
