/** No Docker engine runs here: the compose file is parsed and checked against the project's own configuration. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { bridgeEnvShape } from '../../bridge/bridge-config';
import { DEFAULT_PORTS } from '../../local-stack/ports';
import { WORKFLOW_SEARCH_ATTRIBUTES } from '../../local-stack/search-attributes';
import { endpointsToEnv } from '../../local-stack/stack-endpoints';
import { DEFAULT_TASK_QUEUE } from '../../service/environment-schema';
import { loadWatchdogConfig, watchdogEnvSchema } from '../../watchdogs/watchdog-config';
import { workerEnvShape } from '../../worker/worker-config';

interface ComposeService {
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  build?: { context: string; target: string; args?: Record<string, string> };
}

const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('has the same topology as npm start', () => {
    assert.deepEqual(Object.keys(services).sort(), ['alert-sink', 'bigquery', 'bridge', 'firestore', 'pubsub', 'setup', 'temporal', 'worker']);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const [name, target] of [['worker', 'service'], ['bridge', 'service'], ['setup', 'local-tools'], ['alert-sink', 'local-tools']] as const) {
      assert.deepEqual([services[name]!.build?.context, services[name]!.build?.target], ['.', target], `${name} is built from the Dockerfile's ${target} stage`);
      assert.match(dockerfile, new RegExp(`^FROM .* AS ${target}$`, 'm'));
    }
    // The services run compiled code from the deployable; the local tools run from source.
    for (const [name, script, source] of [['worker', 'worker/main.js', 'worker/main.ts'], ['bridge', 'bridge/main.js', 'bridge/main.ts'], ['setup', 'local-stack/create-resources.ts', 'local-stack/create-resources.ts'], ['alert-sink', 'local-stack/alert-sink-cli.ts', 'local-stack/alert-sink-cli.ts']] as const) {
      assert.ok(services[name]!.command!.includes(script), `${name} runs ${script}`);
      assert.ok(existsSync(path.join(root, source)), `${source} exists`);
    }
    assert.match(String(services.worker!.build?.args?.BUILD_ID), /^\$\{BUILD_ID:\?/, 'the build id is required');
  });

  it('publishes the default ports on 127.0.0.1 only', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    for (const mapping of published) assert.match(mapping, /^127\.0\.0\.1:/);
    const expect = (service: string, port: number): void => assert.ok(services[service]!.ports!.includes(`127.0.0.1:${port}:${port}`), `${service} on ${port}`);
    expect('temporal', DEFAULT_PORTS.temporal);
    expect('temporal', DEFAULT_PORTS.temporalUi);
    expect('pubsub', DEFAULT_PORTS.pubsub);
    expect('firestore', DEFAULT_PORTS.firestore);
    expect('bigquery', DEFAULT_PORTS.bigquery);
    expect('bigquery', DEFAULT_PORTS.bigqueryGrpc);
  });

  it('registers every workflow search attribute on the Temporal server', () => {
    const command = services.temporal!.command!.join(' ');
    for (const [name, type] of Object.entries(WORKFLOW_SEARCH_ATTRIBUTES)) assert.ok(command.includes(`${name}=${type}`), name);
  });

  it('gives worker and bridge every variable the stack exports, known to their configuration schemas', () => {
    const stackVariables = Object.keys(endpointsToEnv({ projectId: '', temporalAddress: '', temporalNamespace: '', temporalUiUrl: '', pubsubEmulatorHost: '', firestoreEmulatorHost: '', bigqueryApiEndpoint: '', bigqueryDataset: '' }));
    const clientReads = new Set(['PUBSUB_EMULATOR_HOST', 'FIRESTORE_EMULATOR_HOST', 'METADATA_SERVER_DETECTION', 'ALERT_WEBHOOK_URL', 'TEMPORAL_UI_URL']);
    for (const [name, shape] of [['worker', workerEnvShape], ['bridge', bridgeEnvShape]] as const) {
      const env = services[name]!.environment!;
      for (const variable of stackVariables.filter((v) => v !== 'TEMPORAL_UI_URL')) assert.ok(env[variable], `${name} gets ${variable}`);
      for (const variable of Object.keys(env)) assert.ok(variable in shape || variable in watchdogEnvSchema.shape || clientReads.has(variable) || stackVariables.includes(variable), `${name}: ${variable} is a known variable`);
      assert.equal(env.TEMPORAL_TASK_QUEUE, DEFAULT_TASK_QUEUE);
      assert.ok(env.ALERT_WEBHOOK_URL?.startsWith('http://alert-sink:8099'), `${name} alerts reach the sink`);
      assert.match(env.TEMPORAL_ADDRESS!, /^temporal:7233$/);
      assert.match(env.PUBSUB_EMULATOR_HOST!, new RegExp(`^pubsub:${DEFAULT_PORTS.pubsub}$`));
      assert.match(env.FIRESTORE_EMULATOR_HOST!, new RegExp(`^firestore:${DEFAULT_PORTS.firestore}$`));
      assert.equal(env.BIGQUERY_API_ENDPOINT, `http://bigquery:${DEFAULT_PORTS.bigquery}`);
    }
    assert.equal(services.worker!.environment!.WORKER_HEALTH_PORT, String(workerEnvShape.WORKER_HEALTH_PORT.parse(undefined)));
    assert.equal(services.bridge!.environment!.BRIDGE_HEALTH_PORT, String(bridgeEnvShape.BRIDGE_HEALTH_PORT.parse(undefined)));
  });

  it("leaves the Google clients' credential lookup on in the image; only the compose services turn it off for the emulators", () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.doesNotMatch(dockerfile.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n'), /METADATA_SERVER_DETECTION/);
    for (const name of ['worker', 'bridge', 'setup']) assert.equal(services[name]!.environment!.METADATA_SERVER_DETECTION, 'none', name);
  });

  it("has the worker's health-probe watchdog probe the bridge and the worker at their health ports", () => {
    const { healthEndpoints } = loadWatchdogConfig(services.worker!.environment);
    assert.deepEqual(healthEndpoints, [
      { name: 'bridge', url: `http://bridge:${services.bridge!.environment!.BRIDGE_HEALTH_PORT}/health` },
      { name: 'worker', url: `http://worker:${services.worker!.environment!.WORKER_HEALTH_PORT}/health` },
    ]);
  });
});
