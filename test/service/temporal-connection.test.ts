import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, parseEnvironment, temporalEnvShape } from '../../service/environment-schema';
import { describeTemporalConnection, temporalConnectionOptions } from '../../service/temporal-connection';

const options = (env: NodeJS.ProcessEnv) => temporalConnectionOptions(parseEnvironment(temporalEnvShape, env));

describe('Temporal connection settings', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'temporal-connection-'));
  const pem = (name: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `-----BEGIN ${name}-----\n`);
    return file;
  };

  it('is plaintext by default, as on the local stack', () => {
    const plain = options({});
    assert.deepEqual(plain, { address: '127.0.0.1:7233', tls: false });
    assert.equal(describeTemporalConnection(plain), '127.0.0.1:7233, plaintext');
  });

  it('an API key turns TLS on (Temporal Cloud) and is never part of the description', () => {
    const cloud = options({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    assert.deepEqual(cloud.tls, {});
    assert.equal(cloud.apiKey, 'secret-key');
    assert.equal(describeTemporalConnection(cloud), 'ns.acct.tmprl.cloud:7233, TLS + API key');
  });

  it('mTLS reads the CA, certificate and key files and overrides the server name', () => {
    const mtls = options({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem('CA'), TEMPORAL_TLS_CLIENT_CERT_PATH: pem('CERT'), TEMPORAL_TLS_CLIENT_KEY_PATH: pem('KEY'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    assert.ok(mtls.tls);
    assert.equal(mtls.tls.serverNameOverride, 'temporal.internal');
    assert.equal(Buffer.from(mtls.tls.clientCertPair?.key ?? []).toString(), '-----BEGIN KEY-----\n');
    assert.equal(describeTemporalConnection(mtls), '127.0.0.1:7233, TLS + client certificate + private CA');
  });

  it('rejects half an mTLS pair, an unreadable file, and secrets over plaintext, naming the variables', () => {
    assert.throws(() => options({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem('CERT') }), (e) => e instanceof EnvironmentError && /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together/.test(e.message));
    assert.throws(() => options({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') }), /TEMPORAL_TLS_SERVER_CA_CERT_PATH names a file that cannot be read .*ENOENT/);
    assert.throws(() => options({ TEMPORAL_TLS: '0', TEMPORAL_API_KEY: 'k' }), /TEMPORAL_TLS is 0, but a client certificate or API key is set/);
    assert.throws(() => options({ TEMPORAL_TLS: 'yes' }), /environment variable TEMPORAL_TLS is invalid/);
  });
});
