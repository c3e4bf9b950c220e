import { describe, expect, it } from 'vitest';
import { clusterSettings } from '../../src/cluster/cluster-settings.js';
import { endpointUrlFor } from '../../src/cluster/config-registration.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';

const config = (doc: Record<string, unknown>) => parseConfig(doc, 'agent.yaml', '/etc/dynslice');
const keyOf = (thunk: () => unknown): string | null => {
  try {
    thunk();
  } catch (error) {
    if (error instanceof ConfigError) return error.key;
    throw error;
  }
  return null;
};
const SLICE = 'urn:publicid:IDN+utah.cloudlab.us:proj+slice+exp';

describe('cluster: configuration keys', () => {
  it('defaults to not registering, with a bounded timeout and retries', () => {
    expect(config({}).cluster).toEqual({
      register: false,
      timeoutSeconds: 60,
      retries: 3,
      retryDelaySeconds: 5,
      unregisterOnStop: false,
    });
  });

  it('derives the server URL from bossHost and resolves paths against the configuration folder', () => {
    const settings = clusterSettings(
      config({
        cluster: {
          bossHost: 'boss.utah.cloudlab.us',
          sliceUrn: SLICE,
          credentialPath: 'slice.cred',
          certPath: '~/.ssl/cloudlab.pem',
          keyPath: '/keys/k.pem',
        },
      }).cluster,
      '/etc/dynslice',
    );
    expect(settings.url).toBe('https://boss.utah.cloudlab.us:12369/protogeni/xmlrpc/dynslice');
    expect(settings.credentialPath).toBe('/etc/dynslice/slice.cred');
    expect(settings.certPath).toMatch(/^\/.+\/\.ssl\/cloudlab\.pem$/);
    expect(settings.keyPath).toBe('/keys/k.pem');
    expect(settings).toMatchObject({ timeoutMs: 60_000, retries: 3, retryDelayMs: 5_000 });
  });

  it('names the first key a registration lacks', () => {
    const settingsOf = (cluster: Record<string, unknown>) => () =>
      clusterSettings(config({ cluster }).cluster, '/etc/dynslice');
    expect(keyOf(settingsOf({}))).toBe('cluster.bossHost');
    expect(keyOf(settingsOf({ bossHost: 'boss' }))).toBe('cluster.sliceUrn');
    expect(keyOf(settingsOf({ bossHost: 'boss', sliceUrn: SLICE }))).toBe('cluster.credentialPath');
    expect(keyOf(settingsOf({ bossHost: 'boss', sliceUrn: SLICE, credentialPath: 'c' }))).toBe('cluster.certPath');
    expect(keyOf(settingsOf({ bossHost: 'boss', sliceUrn: SLICE, credentialPath: 'c', certPath: 'p' }))).toBe(
      'cluster.keyPath',
    );
    // Plain HTTP (the simulator) needs no client certificate.
    expect(keyOf(settingsOf({ url: 'http://127.0.0.1:1/x', sliceUrn: SLICE, credentialPath: 'c' }))).toBeNull();
  });

  it('refuses unknown keys and bad values, naming them', () => {
    expect(keyOf(() => config({ cluster: { bosshost: 'x' } }))).toBe('cluster.bosshost');
    expect(keyOf(() => config({ cluster: { policy: 'FIFO' } }))).toBe('cluster.policy');
    expect(keyOf(() => config({ cluster: { defwaittime: -1 } }))).toBe('cluster.defwaittime');
    expect(keyOf(() => config({ cluster: { sliceUrn: 'myslice' } }))).toBe('cluster.sliceUrn');
    expect(keyOf(() => config({ cluster: { url: 'ftp://boss/x' } }))).toBe('cluster.url');
  });
});

describe('the endpoint URL a registration sends', () => {
  it('is cluster.endpointUrl when set, else the running agent’s URL', async () => {
    const c = config({ cluster: { endpointUrl: 'https://public.example.org/dynslice' } });
    expect(await endpointUrlFor(c, 'http://127.0.0.1:4000/dynslice')).toBe('https://public.example.org/dynslice');
    expect(await endpointUrlFor(config({}), 'http://127.0.0.1:4000/dynslice')).toBe('http://127.0.0.1:4000/dynslice');
  });

  it('is derived from endpoint.listen, path and token when the agent is not running', async () => {
    const token = 'tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    expect(await endpointUrlFor(config({ endpoint: { listen: '127.0.0.1:8001', path: '/dynslice', token } }))).toBe(
      `http://127.0.0.1:8001/dynslice/${token}`,
    );
    await expect(endpointUrlFor(config({ endpoint: { listen: '127.0.0.1:0' } }))).rejects.toMatchObject({
      key: 'cluster.endpointUrl',
    });
  });
});
