/** The Kubernetes manifests in deploy/ agree with the services' own configuration: every variable known and valid. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { alertEnvShape } from '../../activities/alert-channels';
import { bridgeEnvShape, loadBridgeConfig } from '../../bridge/bridge-config';
import { temporalConnectionOptions } from '../../service/temporal-connection';
import { loadWatchdogConfig, watchdogEnvSchema } from '../../watchdogs/watchdog-config';
import { loadWorkerConfig, workerEnvShape } from '../../worker/worker-config';
import { SERVICE_MALLOC_ENV, SERVICE_NODE_FLAGS } from '../../local-stack/service-process';

const root = path.resolve(__dirname, '..', '..');

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    minAvailable?: number;
    template?: { spec: { securityContext?: { runAsNonRoot?: boolean }; containers: Container[] } };
  };
}
interface Probe {
  httpGet?: { path: string; port: string };
  tcpSocket?: { port: string };
}
interface Container {
  command: string[];
  ports: { name: string; containerPort: number }[];
  env?: { name: string; value: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
}

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(path.join(root, 'deploy', 'kubernetes', file), 'utf8')).map((doc) => doc.toJSON() as Manifest);
}

const shared = manifests('namespace-config.yaml');
const config = shared.find((m) => m.kind === 'ConfigMap')?.data ?? {};
const secrets = shared.find((m) => m.kind === 'Secret')?.stringData ?? {};

describe('deploy/kubernetes', () => {
  for (const [service, file, shape, portVariable] of [
    ['worker', 'worker.yaml', workerEnvShape, 'WORKER_HEALTH_PORT'],
    ['bridge', 'bridge.yaml', bridgeEnvShape, 'BRIDGE_HEALTH_PORT'],
  ] as const) {
    it(`${service}: at least one replica always, non-root, probes on its health port, the compiled entry point`, () => {
      const docs = manifests(file);
      const deployment = docs.find((m) => m.kind === 'Deployment');
      assert.ok(deployment?.spec?.template);
      assert.ok((deployment.spec.replicas ?? 0) >= 1);
      assert.equal(docs.find((m) => m.kind === 'PodDisruptionBudget')?.spec?.minAvailable, 1);
      assert.equal(deployment.spec.template.spec.securityContext?.runAsNonRoot, true);
      const [container] = deployment.spec.template.spec.containers;
      assert.ok(container);
      assert.deepEqual(container.command, ['node', ...(service === 'worker' ? ['--require', './worker/workflow-stack-traces.js'] : []), `${service}/main.js`]);
      assert.ok(existsSync(path.join(root, service, 'main.ts')));
      const health = container.ports.find((p) => p.name === 'health');
      assert.equal(String(health?.containerPort), container.env?.find((e) => e.name === portVariable)?.value);
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/health', port: 'health' });
      for (const probe of [container.livenessProbe, container.startupProbe]) assert.equal(probe.tcpSocket?.port, 'health');
    });

    it(`${service}: every variable it is given is one it knows, and the whole set passes its start-up validation`, () => {
      const container = manifests(file).find((m) => m.kind === 'Deployment')!.spec!.template!.spec.containers[0]!;
      const env: NodeJS.ProcessEnv = { ...config, ...secrets, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])) };
      // The shared ConfigMap may carry the other service's settings; what the container sets itself must be its own.
      const known = new Set([...Object.keys(workerEnvShape), ...Object.keys(bridgeEnvShape), ...Object.keys(watchdogEnvSchema.shape), ...Object.keys(alertEnvShape)]);
      for (const name of Object.keys(env)) assert.ok(known.has(name), `${service}: ${name} is a known variable`);
      for (const { name } of container.env ?? []) assert.ok(name in shape, `${service} itself reads ${name}`);
      const loaded = service === 'worker' ? loadWorkerConfig(env) : loadBridgeConfig(env);
      assert.ok(loaded.alertConfig.channels.length > 0);
      assert.ok(loadWatchdogConfig(env));
      const temporal = temporalConnectionOptions(loaded.env);
      assert.ok(temporal.tls, 'production connects to Temporal with TLS');
    });
  }
});

describe('Dockerfile', () => {
  it("runs the services with the local stack's V8 flags and glibc settings, which the image copies", () => {
    const env = /^ENV (.+)$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1] ?? '';
    const vars = Object.fromEntries(env.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    assert.deepEqual((vars.NODE_OPTIONS ?? '').split(' '), SERVICE_NODE_FLAGS);
    for (const [name, value] of Object.entries(SERVICE_MALLOC_ENV)) assert.equal(vars[name], value, name);
  });
});
