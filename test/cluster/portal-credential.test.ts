import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretOptions } from '../../src/cluster/cluster-settings.js';
import { registerFromConfig } from '../../src/cluster/config-registration.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import type { ClusterSimulator } from '../../src/sim/cluster-simulator.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type ClusterPki, issuerOf, makeClusterPki, makePortalCredential } from '../helpers/test-pki.js';
import { startHttpsSimulator } from './https-simulator.js';

const CREDENTIAL = '<signed-credential><owner_urn>urn:publicid:IDN+sim+user+alice</owner_urn></signed-credential>\n';
const PASSPHRASE = 'portal passphrase 42';
const DAY = 86_400_000;

describe('cluster.credentialPem: the credential file as the portal gives it', () => {
  let dir: string;
  let pki: ClusterPki;
  let sim: ClusterSimulator;
  let url: string;
  const log = captureLogger('info');
  const files: Record<string, string> = {};
  let validTo = 0;
  let validFrom = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-portal-pem-'));
    pki = makeClusterPki(dir);
    const ca = issuerOf(dir);
    const traditional = makePortalCredential(dir, 'traditional', ca, {
      format: 'traditional',
      passphrase: PASSPHRASE,
      order: 'key-first',
    });
    const pkcs8 = makePortalCredential(dir, 'pkcs8', ca, {
      format: 'pkcs8',
      passphrase: PASSPHRASE,
      order: 'cert-first',
      cn: 'bob',
    });
    files.traditional = traditional.file;
    files.pkcs8 = pkcs8.file;
    const write = async (name: string, text: string) => {
      files[name] = join(dir, name);
      await writeFile(files[name], text);
    };
    await write('cert-only.pem', traditional.cert);
    await write('key-only.pem', traditional.key);
    await write('mismatched.pem', traditional.key + pkcs8.cert);
    await write('passphrase', `${PASSPHRASE}\n`);
    await write('wrong-passphrase', 'not it\n');
    await write('slice.credential', CREDENTIAL);
    ({ sim, url } = await startHttpsSimulator(pki, log.logger));
    const { port } = new URL(url);
    // As the portal writes it: the certificate names the cluster's server; the key is traditional.
    files.named = makePortalCredential(dir, 'named', ca, {
      format: 'traditional',
      passphrase: PASSPHRASE,
      order: 'key-first',
      cn: 'carol',
      server: `https://127.0.0.1:${port}/protogeni/xmlrpc/sa`,
    }).file;
    // A server no one listens on: cluster.url must win over it.
    files.elsewhere = makePortalCredential(dir, 'elsewhere', ca, {
      format: 'traditional',
      passphrase: PASSPHRASE,
      order: 'key-first',
      cn: 'dave',
      server: 'https://127.0.0.1:1/protogeni/xmlrpc/sa',
    }).file;
    // A PKCS#8 body under the traditional header.
    await write('relabelled.pem', pkcs8.cert + pkcs8.key.replaceAll('ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY'));
    const certificate = new X509Certificate(traditional.cert);
    validTo = new Date(certificate.validTo).getTime();
    validFrom = new Date(certificate.validFrom).getTime();
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const register = (cluster: Record<string, unknown>, options?: SecretOptions) =>
    registerFromConfig(
      parseConfig(
        {
          cluster: {
            url,
            sliceUrn: sim.sliceUrn,
            credentialPath: 'slice.credential',
            caPath: 'cluster-ca.crt',
            passphraseFile: 'passphrase',
            endpointUrl: 'https://agent.example.org:8001/dynslice/abc',
            retryDelaySeconds: 0,
            ...cluster,
          },
        },
        'agent.yaml',
        dir,
      ),
      join(dir, 'agent.yaml'),
      log.logger,
      undefined,
      options,
    );
  /** The ConfigError a registration stops with, after checking nothing reached the cluster. */
  async function refusal(cluster: Record<string, unknown>, options?: SecretOptions): Promise<ConfigError> {
    const calls = sim.api.calls.length;
    const error = await register(cluster, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(sim.api.calls).toHaveLength(calls);
    return error as ConfigError;
  }

  it('registers with a traditional encrypted RSA key (Proc-Type: 4,ENCRYPTED) before its certificate', async () => {
    await register({ credentialPem: 'traditional.pem' });
    expect(sim.api.state.current).toMatchObject({
      sliceUrn: sim.sliceUrn,
      credentials: [CREDENTIAL],
      clientCertificate: 'experimenter',
    });
  });

  it('registers with a PKCS#8 ENCRYPTED PRIVATE KEY after its certificate', async () => {
    await register({ credentialPem: 'pkcs8.pem' });
    expect(sim.api.state.current).toMatchObject({ clientCertificate: 'bob' });
  });

  it("registers with the cluster the credential's certificate names, without cluster.url or bossHost", async () => {
    await register({ credentialPem: 'named.pem', url: undefined });
    expect(sim.api.state.current).toMatchObject({ clientCertificate: 'carol' });
  });

  it('cluster.url overrides the server the credential names; a credential naming none needs url or bossHost', async () => {
    await register({ credentialPem: 'elsewhere.pem' });
    expect(sim.api.state.current).toMatchObject({ clientCertificate: 'dave' });
    const error = await refusal({ credentialPem: 'traditional.pem', url: undefined });
    expect(error.key).toBe('cluster.bossHost');
    expect(error.message).toContain('your credential names no server');
  });

  it('registers with a PKCS#8 key under the traditional RSA PRIVATE KEY header', async () => {
    await register({ credentialPem: 'relabelled.pem' });
    expect(sim.api.state.current).toMatchObject({ clientCertificate: 'bob' });
  });

  it('registers with the passphrase typed on a terminal when there is no passphraseFile', async () => {
    const asked: string[] = [];
    await register(
      { credentialPem: 'traditional.pem', passphraseFile: undefined },
      {
        askPassphrase: async (file) => {
          asked.push(file);
          return PASSPHRASE;
        },
      },
    );
    expect(asked).toEqual([files.traditional]);
    expect(sim.api.state.current).toMatchObject({ clientCertificate: 'experimenter' });
  });

  it('a file without a certificate is refused, naming the file', async () => {
    const error = await refusal({ credentialPem: 'key-only.pem' });
    expect(error.key).toBe('cluster.credentialPem');
    expect(error.message).toContain(`${files['key-only.pem']} holds no certificate`);
  });

  it('a file without a private key is refused, naming the file', async () => {
    const error = await refusal({ credentialPem: 'cert-only.pem' });
    expect(error.key).toBe('cluster.credentialPem');
    expect(error.message).toContain(`${files['cert-only.pem']} holds no private key`);
  });

  it('a wrong passphrase is refused, naming the passphrase file and the credential', async () => {
    const error = await refusal({ credentialPem: 'pkcs8.pem', passphraseFile: 'wrong-passphrase' });
    expect(error.key).toBe('cluster.passphraseFile');
    expect(error.message).toContain(`does not decrypt the private key in ${files.pkcs8}`);
    const typed = await refusal(
      { credentialPem: 'traditional.pem', passphraseFile: undefined },
      { askPassphrase: async () => 'wrong' },
    );
    expect(typed.message).toContain('the passphrase typed does not decrypt');
    expect(JSON.stringify(log.lines)).not.toContain(PASSPHRASE);
  });

  it('an encrypted key without a passphrase (and no terminal) is refused, saying what to set', async () => {
    for (const name of ['traditional.pem', 'pkcs8.pem']) {
      const error = await refusal({ credentialPem: name, passphraseFile: undefined });
      expect(error.key).toBe('cluster.passphraseFile');
      expect(error.message).toContain(`the private key in ${join(dir, name)} is encrypted: set cluster.passphraseFile`);
    }
  });

  it('a certificate that expired, or is not valid yet, is refused with its dates', async () => {
    const expired = await refusal({ credentialPem: 'traditional.pem' }, { now: validTo + DAY });
    expect(expired.key).toBe('cluster.credentialPem');
    expect(expired.message).toMatch(
      /\(CN=experimenter\) expired on \d{4}-\d\d-\d\dT[\d:]+Z: get a new one from the portal/,
    );
    const early = await refusal({ credentialPem: 'traditional.pem' }, { now: validFrom - DAY });
    expect(early.message).toMatch(/is not valid before \d{4}-\d\d-\d\dT[\d:]+Z: check this machine's clock/);
  });

  it('a key and a certificate that do not belong together are refused', async () => {
    const error = await refusal({ credentialPem: 'mismatched.pem' });
    expect(error.key).toBe('cluster.credentialPem');
    expect(error.message).toContain(`the private key in ${files['mismatched.pem']} does not belong to the certificate`);
  });

  it('credentialPem with certPath or keyPath is a configuration error', async () => {
    const error = await refusal({ credentialPem: 'traditional.pem', certPath: 'experimenter.crt' });
    expect(error.key).toBe('cluster.credentialPem');
  });
});
