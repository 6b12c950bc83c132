import assert from 'node:assert/strict';
import { portsFromEnv, DEFAULT_PORTS } from '../../local-stack/ports';
import { EnvironmentError, parseEnvironment, temporalEnvShape } from '../../service/environment-schema';
import { configStep } from '../../service/startup';

describe('environment schemas', () => {
  it('fills defaults, trims values and treats an empty string as unset', () => {
    assert.deepEqual(parseEnvironment(temporalEnvShape, { TEMPORAL_ADDRESS: ' temporal:7233 ', TEMPORAL_NAMESPACE: '' }), {
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'phase-orchestrator',
    });
  });

  it("names every bad variable and its meaning in one error, without the stack's ports falling back silently", () => {
    assert.throws(
      () => portsFromEnv({ TEMPORAL_PORT: 'seven', PUBSUB_EMULATOR_PORT: '70000' }),
      (error) =>
        error instanceof EnvironmentError &&
        /environment variable TEMPORAL_PORT is invalid: .*\(local temporal port\)/.test(error.message) &&
        /environment variable PUBSUB_EMULATOR_PORT is invalid/.test(error.message),
    );
    assert.deepEqual(portsFromEnv({ FIRESTORE_EMULATOR_PORT: '18080' }), { ...DEFAULT_PORTS, firestore: 18080 });
  });

  it('a configuration step that throws becomes one "<service> cannot start: <reason>", never prefixed twice', () => {
    const failing = (): never => {
      throw new Error('pipelines/mlb.json: no such file');
    };
    assert.throws(() => configStep('bridge', failing), { name: 'ServiceConfigError', message: 'bridge cannot start: pipelines/mlb.json: no such file' });
    assert.throws(() => configStep('bridge', () => configStep('bridge', failing)), { message: 'bridge cannot start: pipelines/mlb.json: no such file' });
  });
});
