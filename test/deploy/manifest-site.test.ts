import { describe, expect, it } from 'vitest';
import { bossHostOf, manifestSite } from '../../src/deploy/manifest-site.js';
import { parseManifest } from '../../src/node-list/manifest-rspec.js';
import { siteManifestXml, TWO_SITE_NODES } from '../cluster/two-site-manifest.js';
import { manifestXml } from '../helpers/manifest-xml.js';

describe('what init learns from a manifest', () => {
  it('the boss host is boss.<site> of the aggregate that holds the nodes', () => {
    expect(bossHostOf('urn:publicid:IDN+utah.cloudlab.us+authority+cm')).toBe('boss.utah.cloudlab.us');
    expect(bossHostOf('urn:publicid:IDN+emulab.net+authority+cm')).toBe('boss.emulab.net');
    expect(bossHostOf('urn:publicid:IDN+utah.cloudlab.us+node+pc1')).toBeNull();
    expect(bossHostOf(null)).toBeNull();
  });

  it("this machine's <host name> is the public host; another node's is never taken for it", () => {
    const nodes = parseManifest(
      manifestXml([
        { clientId: 'head', nodeId: 'pc900', host: 'h', hostName: 'head.exp.proj.utah.cloudlab.us' },
        { clientId: 'w1', nodeId: 'pc901', host: 'w1.exp.proj.utah.cloudlab.us', user: 'root' },
      ]),
      'm.xml',
    );
    expect(manifestSite(nodes, { hostnames: ['elsewhere'], clientId: 'head' }, 'm.xml')).toMatchObject({
      publicHost: 'head.exp.proj.utah.cloudlab.us',
      bossHost: 'boss.utah.cloudlab.us',
    });
    expect(manifestSite(nodes, { hostnames: ['elsewhere'], clientId: null }, 'm.xml')).toMatchObject({
      publicHost: null,
      bossHost: 'boss.utah.cloudlab.us',
      self: null,
    });
  });

  it('of a manifest across sites, the boss host of this machine’s site; none when it is not listed', () => {
    const nodes = parseManifest(siteManifestXml(), 'm.xml');
    expect(manifestSite(nodes, { hostnames: ['x'], clientId: 'node3' }, 'm.xml').bossHost).toBe(
      'boss.clemson.cloudlab.us',
    );
    expect(manifestSite(nodes, { hostnames: ['x'], clientId: 'node0' }, 'm.xml').bossHost).toBe(
      'boss.utah.cloudlab.us',
    );
    // Not the first node's site: which cluster to register with is left to the user.
    expect(manifestSite(nodes, { hostnames: ['x'], clientId: null }, 'm.xml').bossHost).toBeNull();
    // One site, without component_manager_id (older tools): the site of component_id.
    const legacy = parseManifest(siteManifestXml(TWO_SITE_NODES.filter((n) => n.manager === false)), 'm.xml');
    expect(manifestSite(legacy, { hostnames: ['x'], clientId: null }, 'm.xml').bossHost).toBe('boss.utah.cloudlab.us');
  });

  it('a manifest without nodes is refused naming it', () => {
    expect(() => manifestSite([], { hostnames: ['x'], clientId: null }, 'm.xml')).toThrow(/m\.xml: lists no <node>/);
  });
});
