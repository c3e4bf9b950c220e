/** A node of a manifest that spans sites: `manager: false` writes no component_manager_id (older tools). */
interface SiteNode {
  clientId: string;
  site: string;
  nodeId: string;
  manager?: boolean;
}

/**
 * The portal's manifest of a slice across Utah and Clemson: pc101 is at both sites, pc102 and
 * pc110 (no component_manager_id) only at Utah, clnode7 only at Clemson.
 */
export const TWO_SITE_NODES: readonly SiteNode[] = [
  { clientId: 'node0', site: 'utah.cloudlab.us', nodeId: 'pc101' },
  { clientId: 'node1', site: 'utah.cloudlab.us', nodeId: 'pc102' },
  { clientId: 'node2', site: 'clemson.cloudlab.us', nodeId: 'pc101' },
  { clientId: 'node3', site: 'clemson.cloudlab.us', nodeId: 'clnode7' },
  { clientId: 'node4', site: 'utah.cloudlab.us', nodeId: 'pc110', manager: false },
];

/** A GENI v3 manifest of these nodes, each with a login on `<node_id>.<site>` and `<host name>` `<client_id>.exp.proj.<site>`. */
export function siteManifestXml(nodes: readonly SiteNode[] = TWO_SITE_NODES): string {
  const node = (n: SiteNode) => `  <node client_id="${n.clientId}" exclusive="true"
        component_id="urn:publicid:IDN+${n.site}+node+${n.nodeId}"${
          n.manager === false ? '' : `\n        component_manager_id="urn:publicid:IDN+${n.site}+authority+cm"`
        }>
    <services>
      <login authentication="ssh-keys" hostname="${n.nodeId}.${n.site}" port="22" username="alice"/>
    </services>
    <host name="${n.clientId}.exp.proj.${n.site}"/>
  </node>
`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<rspec xmlns="http://www.geni.net/resources/rspec/3" type="manifest">
${nodes.map(node).join('')}</rspec>
`;
}
