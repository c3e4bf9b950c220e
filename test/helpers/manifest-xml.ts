/** A node as a test writes it into a manifest: no login when `user` is absent (then only `<host>`). */
export interface ManifestXmlNode {
  clientId: string;
  nodeId: string;
  host: string;
  port?: number;
  user?: string;
  /** `<host name>` (default: `<clientId>.exp.proj.example.net`). */
  hostName?: string;
}

const attr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A GENI v3 manifest RSpec as CloudLab writes one, with the extension elements the agent must ignore. */
export function manifestXml(nodes: readonly ManifestXmlNode[]): string {
  const node = (n: ManifestXmlNode) => `  <node client_id="${attr(n.clientId)}" exclusive="true"
        component_id="urn:publicid:IDN+utah.cloudlab.us+node+${attr(n.nodeId)}"
        component_manager_id="urn:publicid:IDN+utah.cloudlab.us+authority+cm">
    <sliver_type name="raw-pc"/>
${
  n.user === undefined
    ? ''
    : `    <services>
      <login authentication="ssh-keys" hostname="${attr(n.host)}" port="${n.port ?? 22}" username="${attr(n.user)}"/>
      <emulab:console server="boss.utah.cloudlab.us"/>
    </services>
`
}    <emulab:vnode name="${attr(n.nodeId)}" hardware_type="m510"/>
    <host name="${attr(n.hostName ?? `${n.clientId}.exp.proj.example.net`)}"/>
  </node>
`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<rspec xmlns="http://www.geni.net/resources/rspec/3" xmlns:emulab="http://www.protogeni.net/resources/rspec/ext/emulab/1" type="manifest">
${nodes.map(node).join('')}</rspec>
`;
}
