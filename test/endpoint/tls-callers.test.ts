import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { generateToken } from '../../src/endpoint/token-path.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { type GuardedAgent, NODE_IDS, startGuardedAgent } from './guarded-agent.js';
import { postHttps } from './https-post.js';

const countdown = perlMethodCall('NotifyDeletePending', [
  { nodelist: NODE_IDS.map((id) => ({ node_id: id, max_wait_time: 600 })) },
]);

let pki: TestPki;
beforeAll(async () => (pki = await createTestPki()));
afterAll(() => pki.remove());

describe('HTTPS with client certificates from a configured CA', () => {
  const token = generateToken();
  let guarded: GuardedAgent;
  beforeAll(async () => {
    guarded = await startGuardedAgent({
      token,
      tls: { cert: pki.server.certPath, key: pki.encryptedServerKeyPath, passphraseFile: pki.passphrasePath },
      clientCa: pki.caPath,
      clientSubjects: ['someone-else.example', 'CN=boss.emulab.net, O=Utah'],
    });
  });
  afterAll(() => guarded.close());
  const call = (tls: { cert?: string; key?: string }) =>
    postHttps(guarded.url, countdown, { ca: pki.server.cert, ...tls });

  it.each([
    ['no client certificate', () => ({})],
    ['a certificate from a CA the agent does not trust', () => ({ cert: pki.foreign.cert, key: pki.foreign.key })],
    [
      'a trusted certificate whose subject is not allowed',
      () => ({ cert: pki.otherSubject.cert, key: pki.otherSubject.key }),
    ],
  ])('refuses %s with 403 and changes no node', async (_, certificate) => {
    const before = guarded.states();
    const answer = await call(certificate());
    expect(answer.status).toBe(403);
    expect(guarded.states()).toBe(before);
    expect(guarded.runner.calls).toEqual([]);
  });

  it('names why each caller was refused, and which subject it showed', () => {
    const refusals = guarded.lines.filter((line) => line.msg === 'xml-rpc request refused');
    expect(refusals.map((line) => [line.reason, line.subject])).toEqual([
      ['client-certificate-missing', undefined],
      ['client-certificate-untrusted', 'O=Utah, CN=boss.emulab.net'],
      ['client-subject-not-allowed', 'O=Utah, CN=intruder'],
    ]);
  });

  it('refuses the right certificate without the token', async () => {
    const answer = await postHttps(guarded.url.replace(token, generateToken()), countdown, {
      ca: pki.server.cert,
      cert: pki.client.cert,
      key: pki.client.key,
    });
    expect(answer.status).toBe(403);
  });

  it('serves the right certificate with the token over HTTPS, and logs the verified subject with the call', async () => {
    expect(guarded.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dynslice\//);
    const before = guarded.states();
    const answer = await call({ cert: pki.client.cert, key: pki.client.key });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<name>code</name><value><int>0</int>');
    expect(guarded.states()).not.toBe(before);
    const answered = guarded.lines.find((line) => line.msg === 'xml-rpc call answered');
    expect(answered).toMatchObject({ method: 'NotifyDeletePending', subject: 'O=Utah, CN=boss.emulab.net' });
  });

  it('never writes the passphrase or a key into the log', () => {
    const text = JSON.stringify(guarded.lines);
    expect(text).not.toContain(pki.passphrase);
    expect(text).not.toContain('PRIVATE KEY');
  });
});

describe('TLS files that cannot be used stop the start with a ConfigError naming the key', () => {
  const startWith = async (tls: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<ConfigError> => {
    const error = await startGuardedAgent({ tls, ...extra }).then(
      async (guarded) => {
        await guarded.close();
        return new Error('started');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  };

  it.each([
    [
      'an unreadable certificate',
      () => ({ cert: join(pki.dir, 'missing.crt'), key: pki.server.keyPath }),
      'endpoint.tls.cert',
    ],
    ['a key that is not PEM', () => ({ cert: pki.server.certPath, key: pki.passphrasePath }), 'endpoint.tls.key'],
    [
      'an encrypted key without a passphrase',
      () => ({ cert: pki.server.certPath, key: pki.encryptedServerKeyPath }),
      'endpoint.tls.key',
    ],
    [
      'a key of another certificate',
      () => ({ cert: pki.server.certPath, key: pki.client.keyPath }),
      'endpoint.tls.key',
    ],
  ])('%s', async (_, tls, key) => {
    expect((await startWith(tls())).key).toBe(key);
  });

  it('a wrong passphrase, without quoting it', async () => {
    const wrong = join(pki.dir, 'wrong-passphrase.txt');
    await writeFile(wrong, 'not the passphrase\n');
    const error = await startWith({
      cert: pki.server.certPath,
      key: pki.encryptedServerKeyPath,
      passphraseFile: wrong,
    });
    expect(error.key).toBe('endpoint.tls.passphraseFile');
    expect(error.message).not.toContain('not the passphrase');
  });

  it('a client CA file that holds no certificate', async () => {
    const error = await startWith(
      { cert: pki.server.certPath, key: pki.server.keyPath },
      { clientCa: pki.passphrasePath },
    );
    expect(error.key).toBe('endpoint.clientCa');
  });
});
