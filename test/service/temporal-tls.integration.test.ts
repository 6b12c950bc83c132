/**
 * Secure Temporal connections against a real server: the stack's dev server (plaintext) behind a TLS proxy of
 * this test that requires a client certificate, like a self-hosted cluster with mTLS. Certificates are made
 * here with openssl. The worker, the bridge and the operator CLI connect with the right certificate and are
 * refused, with one clear line, without it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { SERVICE_SCRIPTS, spawnService } from '../../local-stack/service-process';
import { runCli } from '../cli-process';
import { createWorld, freePort, serviceHandle, waitFor, type E2eWorld } from '../e2e/e2e-kit';
import { testStack } from '../harness';

/** A CA, a server certificate for `localhost` and a client certificate, all signed by that CA. */
function makeCertificates(dir: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=orchestrator test CA');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [['server', '/CN=localhost'], ['client', '/CN=phase-orchestrator']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  return { ca: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), clientCert: file('client.pem'), clientKey: file('client.key') };
}

/** Terminates TLS (client certificate required, ALPN h2) and pipes the bytes to the plaintext dev server. */
async function startMutualTlsProxy(certs: ReturnType<typeof makeCertificates>, target: string): Promise<{ address: string; refused: number; close(): Promise<void> }> {
  const [host, port] = target.split(':') as [string, string];
  const state = { refused: 0 };
  const server: TlsServer = createTlsServer(
    { key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      const upstream = netConnect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end);
      upstream.on('error', end);
    },
  );
  server.on('tlsClientError', () => (state.refused += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('secure Temporal connections (mTLS proxy in front of the dev server)', function () {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let proxy: Awaited<ReturnType<typeof startMutualTlsProxy>>;
  let world: E2eWorld;
  let withCertificate: NodeJS.ProcessEnv;
  let withoutCertificate: NodeJS.ProcessEnv;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'temporal-tls-'));
    certs = makeCertificates(dir);
    proxy = await startMutualTlsProxy(certs, testStack().temporalAddress);
    world = await createWorld();
    withoutCertificate = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'localhost' };
    withCertificate = { ...withoutCertificate, TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey };
  });

  after(async function () {
    await world?.close();
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const operator = (env: NodeJS.ProcessEnv) => runCli('operator-cli/main.ts', ['stuck'], { env: world.serviceEnv(env) });

  it('the operator CLI works with the client certificate and is refused in one line without it', async function () {
    const ok = await operator(withCertificate);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /stuck date|No stuck dates/);
    const refused = await operator(withoutCertificate);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^operator: cannot connect to Temporal at 127\.0\.0\.1:\d+, TLS \+ private CA: /);
  });

  it('the worker starts with the client certificate, and without it stops at once with one line naming the connection', async function () {
    const worker = await world.startWorker(withCertificate);
    assert.ok(worker.process.output.some((line) => /ready:/.test(line) && line.includes('TLS + client certificate + private CA')), worker.process.output.join('\n'));

    const broken = spawnService('worker', SERVICE_SCRIPTS.worker, world.serviceEnv({ ...withoutCertificate, WORKER_HEALTH_PORT: String(await freePort()), WORKER_TEMPORAL_METRICS_PORT: String(await freePort()) }));
    const { code } = await broken.exited;
    assert.equal(code, 1);
    const fatal = broken.output.filter((line) => line.includes('"level":"fatal"'));
    assert.equal(fatal.length, 1, broken.output.join('\n'));
    assert.match(fatal[0] ?? '', /worker cannot start: cannot connect to Temporal at 127\.0\.0\.1:\d+, TLS \+ private CA: /);
    assert.ok(proxy.refused > 0, 'the proxy refused a handshake without a client certificate');
  });

  it("the bridge reaches Temporal with the client certificate; without it its /health says Temporal is unreachable", async function () {
    const good = await world.startBridge(withCertificate);
    const healthy = await waitFor('a healthy Temporal dependency', async () => {
      const { body } = await good.health();
      return (body.dependencies as Record<string, { healthy: boolean }>).temporal?.healthy === true ? body : undefined;
    });
    assert.ok(healthy);

    const port = await freePort();
    const cutOff = spawnService('bridge', SERVICE_SCRIPTS.bridge, world.serviceEnv({ ...withoutCertificate, BRIDGE_HEALTH_PORT: String(port) }));
    try {
      await cutOff.waitForLine(/\bready:/, 60_000);
      const { status, body } = await serviceHandle(cutOff, port).health();
      assert.equal(status, 503);
      const temporal = (body.dependencies as Record<string, { healthy: boolean; error: string | null }>).temporal;
      assert.equal(temporal?.healthy, false);
      assert.ok(temporal?.error, 'the error says why');
    } finally {
      await cutOff.stop(10_000);
    }
  });
});
