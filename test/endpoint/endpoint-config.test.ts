import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/config/endpoint-schema.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { registeredUrl } from '../../src/endpoint/registered-url.js';
import { generateToken } from '../../src/endpoint/token-path.js';
import { startGuardedAgent } from './guarded-agent.js';

const token = generateToken();
const tls = { cert: '/etc/dynslice/cert.pem', key: '/etc/dynslice/key.pem' };

function keyOfError(endpoint: Record<string, unknown>): string | null {
  try {
    parseConfig({ endpoint }, 'test', '/base');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).key;
  }
  return null;
}

describe('endpoint configuration', () => {
  it.each(['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])(
    'treats %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['0.0.0.0', '::', '', '10.1.2.3', '::ffff:10.1.2.3', 'agent.example.org', '128.0.0.1'])(
    'treats "%s" as reachable from outside',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('serves plain HTTP on loopback without any ceremony', () => {
    expect(keyOfError({ listen: '127.0.0.1:8001' })).toBeNull();
    expect(keyOfError({ listen: '[::1]:8001' })).toBeNull();
  });

  it.each([
    ['plain HTTP on a public address', { listen: '0.0.0.0:8001', token }, 'endpoint.tls'],
    ['plain HTTP on all IPv6 addresses', { listen: '[::]:8001', token }, 'endpoint.tls'],
    ['no caller authentication on a public address', { listen: '0.0.0.0:8001', tls }, 'endpoint.token'],
    [
      'an allow-list alone on a public address',
      { listen: '0.0.0.0:8001', tls, allow: ['10.0.0.0/8'] },
      'endpoint.token',
    ],
    ['both token and tokenFile', { token, tokenFile: '/t' }, 'endpoint.tokenFile'],
    ['a short token', { token: 'abc123' }, 'endpoint.token'],
    ['a token with a slash', { token: `${token}/x` }, 'endpoint.token'],
    ['a malformed CIDR', { allow: ['10.0.0.0/8', '10.0.0.0/33'] }, 'endpoint.allow[1]'],
    ['a host name in the allow-list', { allow: ['cloudlab.us'] }, 'endpoint.allow[0]'],
    ['client certificates without TLS', { clientCa: '/ca.pem' }, 'endpoint.clientCa'],
    ['subjects without a client CA', { tls, clientSubjects: ['boss'] }, 'endpoint.clientSubjects'],
    ['a TLS section without a key', { tls: { cert: '/c.pem' } }, 'endpoint.tls.key'],
    ['a concurrency cap of 0', { maxConcurrentRequests: 0 }, 'endpoint.maxConcurrentRequests'],
    [
      'a request timeout shorter than the headers timeout',
      { headersTimeoutSeconds: 10, requestTimeoutSeconds: 5 },
      'endpoint.requestTimeoutSeconds',
    ],
    ['an idle timeout as short as a call may be handled', { idleTimeoutSeconds: 10 }, 'endpoint.idleTimeoutSeconds'],
  ])('refuses %s, naming the key', (_, endpoint, key) => {
    expect(keyOfError(endpoint)).toBe(key);
  });

  it('says why an idle timeout must be longer than a call may be handled', () => {
    expect(() => parseConfig({ endpoint: { idleTimeoutSeconds: 5 } }, 'test', '/base')).toThrow(
      'endpoint.idleTimeoutSeconds: expected more than 10: a call may be handled for 10 s while its connection is quiet',
    );
  });

  it.each([
    ['HTTPS and a token', { listen: '0.0.0.0:8001', tls, token }],
    ['HTTPS and client certificates', { listen: '0.0.0.0:8001', tls, clientCa: '/ca.pem' }],
    ['explicit plain HTTP and a token file', { listen: '0.0.0.0:8001', allowHttp: true, tokenFile: '/t' }],
  ])('accepts %s on a public address', (_, endpoint) => {
    expect(keyOfError(endpoint)).toBeNull();
  });

  it('resolves the TLS, token and CA paths against the configuration file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-endpoint-config-'));
    const file = join(dir, 'agent.yaml');
    await writeFile(
      file,
      'endpoint:\n  tls: { cert: tls/c.pem, key: tls/k.pem, passphraseFile: tls/pass }\n  tokenFile: token\n  clientCa: ca.pem\n',
    );
    const { endpoint } = await loadConfig(file);
    expect([
      endpoint.tls?.cert,
      endpoint.tls?.key,
      endpoint.tls?.passphraseFile,
      endpoint.tokenFile,
      endpoint.clientCa,
    ]).toEqual(['tls/c.pem', 'tls/k.pem', 'tls/pass', 'token', 'ca.pem'].map((path) => join(dir, path)));
  });

  it('refuses to bind a loopback-only configuration to a public address', async () => {
    const error = await startGuardedAgent({}, { host: '0.0.0.0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('endpoint.tls');
  });

  it('builds the URL to register, and its redacted form', () => {
    const endpoint = { path: '/dynslice', tls, token };
    expect(registeredUrl(endpoint, { host: '::1', port: 8443 })).toBe(`https://[::1]:8443/dynslice/${token}`);
    expect(registeredUrl(endpoint, { host: '10.0.0.5', port: 8443 }, { redact: true })).toBe(
      'https://10.0.0.5:8443/dynslice/[token]',
    );
    expect(
      registeredUrl({ path: '/', tls: undefined }, { host: '127.0.0.1', port: 1 }, { token: 'T'.repeat(22) }),
    ).toBe(`http://127.0.0.1:1/${'T'.repeat(22)}`);
    expect(registeredUrl({ path: '/dynslice', tls: undefined }, { host: '0.0.0.0', port: 1 })).not.toContain('0.0.0.0');
  });
});
