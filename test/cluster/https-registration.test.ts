import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import { registerFromConfig } from '../../src/cluster/config-registration.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import type { ClusterSimulator } from '../../src/sim/cluster-simulator.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type ClusterPki, makeClusterPki } from '../helpers/test-pki.js';
import { startHttpsSimulator } from './https-simulator.js';

const CREDENTIAL = '<signed-credential><owner_urn>urn:publicid:IDN+sim+user+alice</owner_urn></signed-credential>\n';

describe('registration over HTTPS with the experimenter’s client certificate', () => {
  let dir: string;
  let pki: ClusterPki;
  let sim: ClusterSimulator;
  let url: string;
  const log = captureLogger('info');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-https-reg-'));
    pki = makeClusterPki(dir);
    await writeFile(join(dir, 'passphrase'), `${pki.client.passphrase}\n`);
    await writeFile(join(dir, 'wrong-passphrase'), 'not it\n');
    await writeFile(join(dir, 'slice.credential'), CREDENTIAL);
    ({ sim, url } = await startHttpsSimulator(pki, log.logger));
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A configuration in `dir` whose cluster paths are relative to it, as users write them. */
  const configWith = (cluster: Record<string, unknown>) =>
    parseConfig(
      {
        cluster: {
          url,
          sliceUrn: sim.sliceUrn,
          credentialPath: 'slice.credential',
          caPath: 'cluster-ca.crt',
          certPath: 'experimenter.crt',
          keyPath: 'experimenter.key',
          passphraseFile: 'passphrase',
          endpointUrl: 'https://agent.example.org:8001/dynslice/abc',
          policy: 'CLIENT',
          defwaittime: 120,
          retryDelaySeconds: 0,
          ...cluster,
        },
      },
      'agent.yaml',
      dir,
    );
  const register = (cluster: Record<string, unknown> = {}) =>
    registerFromConfig(configWith(cluster), join(dir, 'agent.yaml'), log.logger);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e,
    );

  it('is accepted, and the simulator sees the slice, URL, credential, policy, defwaittime and certificate', async () => {
    expect(await register()).toEqual({
      endpointUrl: 'https://agent.example.org:8001/dynslice/abc',
      policy: 'CLIENT',
      defwaittime: 120,
      maxwaittime: 900,
    });
    expect(sim.api.state.current).toMatchObject({
      sliceUrn: sim.sliceUrn,
      url: 'https://agent.example.org:8001/dynslice/abc',
      credentials: [CREDENTIAL],
      policy: 'CLIENT',
      defwaittime: 120,
      clientCertificate: 'experimenter',
    });
  });

  it('with a certificate from another CA is refused by the server', async () => {
    const calls = sim.api.calls.length;
    const error = await failure(register({ certPath: 'rogue.crt', keyPath: 'rogue.key', passphraseFile: undefined }));
    expect(error).toBeInstanceOf(ClusterError);
    expect(error).toMatchObject({ code: 'CLUSTER_CONNECT' });
    expect(sim.api.calls).toHaveLength(calls);
  });

  it('without the CA of the server, the client does not trust the server', async () => {
    const error = await failure(register({ caPath: undefined }));
    expect(error).toMatchObject({ code: 'CLUSTER_CONNECT' });
  });

  it('with a wrong passphrase stops before connecting, naming the key', async () => {
    const calls = sim.api.calls.length;
    const error = await failure(register({ passphraseFile: 'wrong-passphrase' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('cluster.passphraseFile');
    expect(sim.api.calls).toHaveLength(calls);
    expect(JSON.stringify(log.lines)).not.toContain(pki.client.passphrase);
    expect(JSON.stringify(log.lines)).not.toContain('owner_urn');
  });
});
