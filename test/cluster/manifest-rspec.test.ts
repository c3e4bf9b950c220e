import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeIdOfComponent, nodesFromManifest, type SelfIdentity } from '../../src/node-list/manifest-nodes.js';
import { ManifestError, parseManifest, parseManifestInSlices } from '../../src/node-list/manifest-rspec.js';
import { manifestXml } from '../helpers/manifest-xml.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/manifests');
const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const nobody: SelfIdentity = { hostnames: ['laptop.example.org'], clientId: null };
const ssh = { user: 'root', port: 22 };
const resolve = async (name: string, options: Partial<Parameters<typeof nodesFromManifest>[1]> = {}) =>
  nodesFromManifest(parseManifest(await fixture(name), name), {
    ssh,
    exclude: [],
    self: nobody,
    source: name,
    ...options,
  });

function parseError(text: string, source = 'm.xml'): ManifestError {
  try {
    parseManifest(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error('parsed');
}

describe('manifest RSpec', () => {
  it('reads every node of a GENI v3 manifest and nothing of its extensions', async () => {
    const nodes = parseManifest(await fixture('cloudlab-v3.xml'), 'cloudlab-v3.xml');
    expect(nodes.map((n) => n.clientId)).toEqual(['node0', 'node1', 'node2', 'node3']);
    expect(nodes[0]).toMatchObject({
      componentId: 'urn:publicid:IDN+utah.cloudlab.us+node+pc101',
      hostName: 'node0.myexp.myproj.utah.cloudlab.us',
      // emulab:login is an extension element: not a login of the node.
      logins: [
        { authentication: 'ssh-keys', hostname: 'pc101.utah.cloudlab.us', port: 22, username: 'alice' },
        { authentication: 'ssh-keys', hostname: 'pc101.utah.cloudlab.us', port: 22, username: 'bob' },
      ],
      line: 10,
    });
    expect(nodes[2]).toMatchObject({ clientId: 'node2', logins: [], hostName: 'node2.myexp.myproj.utah.cloudlab.us' });
  });

  it('maps component_id, login and host to node_id, host, port and user', async () => {
    const { nodes, skipped } = await resolve('cloudlab-v3.xml');
    expect(skipped).toEqual([]);
    expect(nodes).toEqual([
      {
        nodeId: 'pc101',
        clientId: 'node0',
        host: 'pc101.utah.cloudlab.us',
        port: 22,
        user: 'alice',
        source: 'cloudlab-v3.xml',
      },
      {
        nodeId: 'pc102',
        clientId: 'node1',
        host: 'pc102.utah.cloudlab.us',
        port: 2222,
        user: 'bob',
        source: 'cloudlab-v3.xml',
      },
      // No services: the host name, with the ssh defaults.
      {
        nodeId: 'pc103',
        clientId: 'node2',
        host: 'node2.myexp.myproj.utah.cloudlab.us',
        port: 22,
        user: 'root',
        source: 'cloudlab-v3.xml',
      },
      {
        nodeId: 'pc104',
        clientId: 'node3',
        host: 'pc104.utah.cloudlab.us',
        port: 22,
        user: 'alice',
        source: 'cloudlab-v3.xml',
      },
    ]);
  });

  it('prefers the login of ssh.user when a node has several', async () => {
    const { nodes } = await resolve('cloudlab-v3.xml', { ssh: { user: 'bob', port: 22 } });
    expect(nodes.find((n) => n.nodeId === 'pc101')?.user).toBe('bob');
    expect(nodes.find((n) => n.nodeId === 'pc104')?.user).toBe('alice');
  });

  it('reads a ProtoGENI v2 manifest, prefixed elements included', async () => {
    const { nodes } = await resolve('protogeni-v2.xml');
    expect(nodes).toEqual([
      {
        nodeId: 'pc17',
        clientId: 'left',
        host: 'pc17.emulab.net',
        port: 22,
        user: 'carol',
        source: 'protogeni-v2.xml',
      },
      {
        nodeId: 'pc18',
        clientId: 'right',
        host: 'right.exp2.proj.emulab.net',
        port: 22,
        user: 'root',
        source: 'protogeni-v2.xml',
      },
    ]);
  });

  it('excludes self by hostname (full, or short when the machine has a short name) or by client_id', async () => {
    const byFull = await resolve('cloudlab-v3.xml', {
      exclude: ['self'],
      self: { hostnames: ['node3.myexp.myproj.utah.cloudlab.us'], clientId: null },
    });
    expect(byFull.excluded).toEqual([{ nodeId: 'pc104', clientId: 'node3', why: 'self' }]);
    const byLogin = await resolve('cloudlab-v3.xml', {
      exclude: ['self'],
      self: { hostnames: ['PC102.utah.cloudlab.us'], clientId: null },
    });
    expect(byLogin.excluded.map((n) => n.nodeId)).toEqual(['pc102']);
    const byShort = await resolve('cloudlab-v3.xml', {
      exclude: ['self'],
      self: { hostnames: ['node1'], clientId: null },
    });
    expect(byShort.excluded.map((n) => n.nodeId)).toEqual(['pc102']);
    // A full name of another domain never matches by its first label alone.
    const elsewhere = await resolve('cloudlab-v3.xml', {
      exclude: ['self'],
      self: { hostnames: ['pc101.emulab.net'], clientId: null },
    });
    expect(elsewhere.excluded).toEqual([]);
    const byClientId = await resolve('cloudlab-v3.xml', {
      exclude: ['self'],
      self: { hostnames: ['x'], clientId: 'node2' },
    });
    expect(byClientId.excluded.map((n) => n.nodeId)).toEqual(['pc103']);
    expect(byClientId.nodes.map((n) => n.nodeId)).toEqual(['pc101', 'pc102', 'pc104']);
  });

  it('excludes nodes by client_id or node_id', async () => {
    const { nodes, excluded } = await resolve('cloudlab-v3.xml', { exclude: ['node0', 'pc103'] });
    expect(nodes.map((n) => n.nodeId)).toEqual(['pc102', 'pc104']);
    expect(excluded.map((n) => n.why)).toEqual(['exclude', 'exclude']);
  });

  it('skips nodes without a node id or a usable host, and a repeated node_id, saying why and where', async () => {
    const { nodes, skipped } = await resolve('odd-nodes.xml');
    expect(nodes).toEqual([
      { nodeId: 'pc203', clientId: 'twice-a', host: 'a.example', port: 22, user: 'root', source: 'odd-nodes.xml' },
    ]);
    expect(skipped.map((s) => [s.clientId, s.line])).toEqual([
      ['unbound', 3],
      ['lan', 4],
      ['nohost', 7],
      ['shell', 8],
      ['twice-b', 14],
    ]);
    expect(skipped.map((s) => s.why)).toEqual([
      'no component_id',
      'component_id "urn:publicid:IDN+utah.cloudlab.us+lan+lan-0" names no node',
      'no <login hostname> and no <host name>',
      'host "pc202;reboot" is not a plain hostname',
      'node_id pc203 appears twice: the first is kept',
    ]);
  });

  it('maps component URNs to node ids', () => {
    expect(nodeIdOfComponent('urn:publicid:IDN+utah.cloudlab.us+node+pc101')).toBe('pc101');
    expect(nodeIdOfComponent('urn:publicid:IDN+emulab.net+node+pc17')).toBe('pc17');
    expect(nodeIdOfComponent('urn:publicid:IDN+utah.cloudlab.us+interface+pc101:eth1')).toBeNull();
    expect(nodeIdOfComponent('urn:publicid:IDN+a+node+$(reboot)')).toBeNull();
    expect(nodeIdOfComponent(null)).toBeNull();
  });

  it('names the source and line of XML that is not well-formed', async () => {
    const error = parseError(await fixture('malformed.xml'), '/tmp/m.xml');
    expect(error.line).toBe(10);
    expect(error.message).toMatch(/^\/tmp\/m\.xml:10: not well-formed XML: /);
  });

  it('refuses what is not a manifest RSpec, naming the line', async () => {
    expect(parseError(await fixture('request.xml')).message).toBe(
      'm.xml:2: a request RSpec, not a manifest (download the manifest of the running experiment)',
    );
    expect(parseError(await fixture('not-rspec.xml')).message).toMatch(
      /^m\.xml:2: not a manifest RSpec: the root element is <methodResponse>/,
    );
    expect(parseError('<rspec xmlns="http://example.org/other" type="manifest"/>').line).toBe(1);
    expect(parseError('').message).toMatch(/^m\.xml(:\d+)?: /);
    expect(
      parseError(
        '<rspec xmlns="http://www.geni.net/resources/rspec/3"><node><services><login port="99999"/></services></node></rspec>',
      ).message,
    ).toBe('m.xml:1: <login port="99999">: not a TCP port');
    // An unbound namespace prefix is an XML error.
    expect(parseError('<rspec xmlns="http://www.geni.net/resources/rspec/3">\n<emulab:vnode/></rspec>').line).toBe(2);
  });

  it('expands no entities from a DOCTYPE', () => {
    const text =
      '<!DOCTYPE rspec [<!ENTITY x "pc101.example">]><rspec xmlns="http://www.geni.net/resources/rspec/3"><node component_id="urn:publicid:IDN+a+node+pc1"><host name="&x;"/></node></rspec>';
    expect(() => parseManifest(text, 'm.xml')).toThrow(ManifestError);
  });

  it('reads a large manifest a slice at a time, with the same nodes and line numbers, answering timers in between', async () => {
    const text = manifestXml(
      Array.from({ length: 2_000 }, (_, i) => ({
        clientId: `n${i}`,
        nodeId: `pc${i}`,
        host: `pc${i}.example`,
        user: 'alice',
      })),
    );
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    const sliced = await parseManifestInSlices(text, 'big.xml');
    clearInterval(ticker);
    expect(sliced).toEqual(parseManifest(text, 'big.xml'));
    expect(sliced).toHaveLength(2_000);
    expect(turns).toBeGreaterThan(0);
    const broken = `${text.slice(0, 700_000)}<oops>${text.slice(700_000)}`;
    const line = broken.slice(0, 700_000).split('\n').length;
    await expect(parseManifestInSlices(broken, 'big.xml')).rejects.toMatchObject({
      source: 'big.xml',
      line: expect.any(Number),
    });
    await expect(parseManifestInSlices(broken, 'big.xml')).rejects.toSatisfy(
      (error: ManifestError) => error.line! >= line,
    );
  });
});
