import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { type ManifestNodeList, nodesFromManifest } from '../../src/node-list/manifest-nodes.js';
import { ManifestError, parseManifest } from '../../src/node-list/manifest-rspec.js';
import { nodeListSource } from '../../src/node-list/node-list-source.js';
import type { SelfIdentity } from '../../src/node-list/self-identity.js';
import { componentOf, siteOfAuthority, siteOfBossHost, siteOfUrl } from '../../src/node-list/site.js';
import { SEVERAL_SITES } from '../../src/node-list/site-choice.js';
import { siteManifestXml, TWO_SITE_NODES } from './two-site-manifest.js';

const nobody: SelfIdentity = { hostnames: ['laptop.example.org'], clientId: null };
const UTAH = 'utah.cloudlab.us';
const CLEMSON = 'clemson.cloudlab.us';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dynslice-sites-'));
  await writeFile(join(dir, 'two-sites.xml'), siteManifestXml());
});

/** The node list a configuration reads, and how often it asked who this machine is. */
async function read(doc: Record<string, unknown>, self: SelfIdentity = nobody) {
  const config = parseConfig(doc, join(dir, 'agent.yaml'), dir);
  let asked = 0;
  const identity = async () => {
    asked += 1;
    return self;
  };
  const list = await nodeListSource(config, { self: identity }).read();
  return { ...summary(list), asked };
}

const summary = (list: ManifestNodeList) => ({
  kept: list.nodes.map((node) => `${node.clientId} ${node.nodeId}@${node.host}`),
  out: list.excluded.map((node) => `${node.clientId} ${node.nodeId}: ${node.why}`),
  site: list.site,
});

const manifestAt = (nodes: Record<string, unknown> = {}) => ({ nodes: { manifest: 'two-sites.xml', ...nodes } });

describe('site URNs', () => {
  it('reads the site of authority and node URNs, and of a boss host', () => {
    expect(siteOfAuthority('urn:publicid:IDN+utah.cloudlab.us+authority+cm')).toBe(UTAH);
    expect(siteOfAuthority('urn:publicid:IDN+Emulab.net:proj+authority+sa')).toBe('emulab.net');
    expect(siteOfAuthority('urn:publicid:IDN+utah.cloudlab.us+node+pc101')).toBeNull();
    expect(siteOfAuthority(null)).toBeNull();
    expect(componentOf('urn:publicid:IDN+clemson.cloudlab.us+node+pc101')).toEqual({ name: 'pc101', site: CLEMSON });
    expect(componentOf('urn:publicid:IDN+utah.cloudlab.us+authority+cm')).toBeNull();
    expect(siteOfBossHost('boss.utah.cloudlab.us')).toBe(UTAH);
    expect(siteOfBossHost('www.utah.cloudlab.us')).toBeNull();
    expect(siteOfUrl('https://boss.clemson.cloudlab.us:12369/protogeni/xmlrpc/dynslice')).toBe(CLEMSON);
    expect(siteOfUrl('https://127.0.0.1:12369/protogeni/xmlrpc/dynslice')).toBeNull();
  });
});

describe('a manifest of several sites', () => {
  it('nodes.site keeps that site’s nodes, the one without component_manager_id by its component_id', async () => {
    const { kept, out, site } = await read(manifestAt({ site: CLEMSON }));
    expect(kept).toEqual(['node2 pc101@pc101.clemson.cloudlab.us', 'node3 clnode7@clnode7.clemson.cloudlab.us']);
    expect(out).toEqual([
      'node0 pc101: other site: utah.cloudlab.us',
      'node1 pc102: other site: utah.cloudlab.us',
      'node4 pc110: other site: utah.cloudlab.us',
    ]);
    expect(site).toEqual({ site: CLEMSON, from: 'nodes.site', sites: [CLEMSON, UTAH] });
  });

  it('nodes.site may be the authority URN, in any case', async () => {
    const { kept } = await read(manifestAt({ site: 'urn:publicid:IDN+Utah.CloudLab.us+authority+cm' }));
    expect(kept).toEqual([
      'node0 pc101@pc101.utah.cloudlab.us',
      'node1 pc102@pc102.utah.cloudlab.us',
      'node4 pc110@pc110.utah.cloudlab.us',
    ]);
  });

  it('without nodes.site, the site of cluster.bossHost, or of cluster.url before it', async () => {
    const byBoss = await read({ ...manifestAt(), cluster: { bossHost: 'boss.utah.cloudlab.us' } });
    expect(byBoss.kept).toEqual([
      'node0 pc101@pc101.utah.cloudlab.us',
      'node1 pc102@pc102.utah.cloudlab.us',
      'node4 pc110@pc110.utah.cloudlab.us',
    ]);
    expect(byBoss.out).toEqual([
      'node2 pc101: other site: clemson.cloudlab.us',
      'node3 clnode7: other site: clemson.cloudlab.us',
    ]);
    expect(byBoss.site).toMatchObject({ site: UTAH, from: 'cluster.bossHost' });
    // Configured: this machine is never asked.
    expect(byBoss.asked).toBe(0);
    const url = 'https://boss.clemson.cloudlab.us:12369/protogeni/xmlrpc/dynslice';
    const byUrl = await read({ ...manifestAt(), cluster: { url, bossHost: 'boss.utah.cloudlab.us' } });
    expect(byUrl.site).toMatchObject({ site: CLEMSON, from: 'cluster.url' });
    expect(byUrl.kept).toEqual(['node2 pc101@pc101.clemson.cloudlab.us', 'node3 clnode7@clnode7.clemson.cloudlab.us']);
    // An address names no site: the boss host does.
    const byAddress = await read({
      ...manifestAt(),
      cluster: { url: 'https://10.1.1.1:12369/x', bossHost: 'boss.utah.cloudlab.us' },
    });
    expect(byAddress.site).toMatchObject({ site: UTAH, from: 'cluster.bossHost' });
    const explicit = await read({ ...manifestAt({ site: CLEMSON }), cluster: { bossHost: 'boss.utah.cloudlab.us' } });
    expect(explicit.site).toMatchObject({ site: CLEMSON, from: 'nodes.site' });
  });

  it('with nothing configured, the site of the node the agent runs on, excluded or not', async () => {
    const byClientId = await read(manifestAt(), { hostnames: ['x'], clientId: 'node2' });
    expect(byClientId.site).toMatchObject({ site: CLEMSON, from: 'self' });
    expect(byClientId.kept).toEqual([
      'node2 pc101@pc101.clemson.cloudlab.us',
      'node3 clnode7@clnode7.clemson.cloudlab.us',
    ]);
    const excluded = await read(manifestAt({ exclude: ['self'] }), {
      hostnames: ['node0.exp.proj.utah.cloudlab.us'],
      clientId: null,
    });
    expect(excluded.site).toMatchObject({ site: UTAH, from: 'self' });
    expect(excluded.kept).toEqual(['node1 pc102@pc102.utah.cloudlab.us', 'node4 pc110@pc110.utah.cloudlab.us']);
    expect(excluded.out).toEqual([
      'node0 pc101: self',
      'node2 pc101: other site: clemson.cloudlab.us',
      'node3 clnode7: other site: clemson.cloudlab.us',
    ]);
    expect(excluded.asked).toBe(1);
  });

  it('with nothing to choose by and a node_id at two sites, the read fails naming it and the fix', async () => {
    const failure = await read(manifestAt()).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ManifestError);
    expect((failure as Error).message).toMatch(
      /lists nodes of clemson\.cloudlab\.us, utah\.cloudlab\.us and pc101 at several of them.*set nodes\.site/,
    );
    expect(SEVERAL_SITES).toBe('node_id at several sites: set nodes.site');
  });

  it('with nothing to choose by and every node_id at one site, every site’s nodes are kept', async () => {
    await writeFile(join(dir, 'unique.xml'), siteManifestXml(TWO_SITE_NODES.filter((node) => node.nodeId !== 'pc101')));
    const { kept, out, site } = await read({ nodes: { manifest: 'unique.xml' } });
    expect(kept).toEqual([
      'node1 pc102@pc102.utah.cloudlab.us',
      'node3 clnode7@clnode7.clemson.cloudlab.us',
      'node4 pc110@pc110.utah.cloudlab.us',
    ]);
    expect(out).toEqual([]);
    expect(site).toEqual({ site: null, from: null, sites: [CLEMSON, UTAH] });
  });

  it('the same holds for nodesFromManifest given no site', () => {
    const list = nodesFromManifest(parseManifest(siteManifestXml(), 'm.xml'), {
      ssh: { user: 'root', port: 22 },
      exclude: [],
      self: nobody,
      source: 'm.xml',
    });
    expect(list.nodes.map((node) => node.nodeId)).toEqual(['pc102', 'clnode7', 'pc110']);
    expect(list.skipped).toEqual([]);
  });

  it('a manifest of one site is that site’s, a node without component_manager_id included, without asking who this machine is', async () => {
    await writeFile(join(dir, 'utah.xml'), siteManifestXml(TWO_SITE_NODES.filter((node) => node.site === UTAH)));
    const { kept, out, site, asked } = await read({ nodes: { manifest: 'utah.xml' } });
    expect(kept).toHaveLength(3);
    expect(out).toEqual([]);
    expect(site).toEqual({ site: UTAH, from: 'single site', sites: [UTAH] });
    expect(asked).toBe(0);
  });

  it('every read chooses again: a re-read that finds a second site holding one of its node_ids fails', async () => {
    const file = join(dir, 'growing.xml');
    await writeFile(file, siteManifestXml(TWO_SITE_NODES.slice(0, 2)));
    const source = nodeListSource(parseConfig({ nodes: { manifest: file } }, join(dir, 'agent.yaml'), dir), {
      self: async () => nobody,
    });
    expect(summary(await source.read()).kept).toEqual([
      'node0 pc101@pc101.utah.cloudlab.us',
      'node1 pc102@pc102.utah.cloudlab.us',
    ]);
    await writeFile(file, siteManifestXml(TWO_SITE_NODES.slice(0, 3)));
    // A read that fails changes nothing: the agent keeps the nodes it has.
    await expect(source.read()).rejects.toThrow(/pc101 at several of them/);
  });
});
