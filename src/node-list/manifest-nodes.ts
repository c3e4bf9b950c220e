import { HOSTNAME } from './host-template.js';
import type { ListedNode } from './listed-node.js';
import type { ManifestLogin, ManifestNode } from './manifest-rspec.js';
import { isSelf, type SelfIdentity } from './self-identity.js';
import { componentOf } from './site.js';
import { type SiteChoice, siteFilter } from './site-choice.js';

export type { SelfIdentity };

export interface ManifestNodeOptions {
  /** Login defaults, and the username whose login is preferred when a node has several. */
  ssh: { user: string; port: number };
  /** `self`, client_ids and node_ids to leave out. */
  exclude: readonly string[];
  self: SelfIdentity;
  /** Names the manifest in each node's `source`. */
  source: string;
  /**
   * The site the endpoint is registered with: nodes of other sites are left out. Null or absent:
   * none is known, and a node_id that nodes of several sites share is left out at each.
   */
  site?: string | null;
}

export interface ManifestNodeList {
  nodes: ListedNode[];
  /**
   * Left out: `self` (this machine), `exclude` (listed there), or for its site (`other site: …`,
   * or SEVERAL_SITES when no site is known).
   */
  excluded: { nodeId: string; clientId: string | null; why: string }[];
  /** Nodes the manifest gives no usable node_id or host for, or repeats. */
  skipped: { clientId: string | null; line: number; why: string }[];
  /** The site chosen and the sites the manifest lists; absent for the configuration's list. */
  site?: SiteChoice;
}

/**
 * `urn:publicid:IDN+utah.cloudlab.us+node+pc101` → `pc101`: the node_id the cluster's calls use,
 * without its site; the site filter of nodesFromManifest is what keeps it unique in the list.
 */
export function nodeIdOfComponent(componentId: string | null): string | null {
  return componentOf(componentId)?.name ?? null;
}

/** The login to use: the one for `user` when the node has it, else the first. */
export function chooseLogin(logins: readonly ManifestLogin[], user: string): ManifestLogin | undefined {
  return logins.find((login) => login.username === user) ?? logins[0];
}

/**
 * The manifest's nodes as the agent reaches them: node_id from component_id, host from the chosen
 * login (else `<host name>`), user and port from that login (else the ssh defaults); nodes of
 * other sites than `site` are left out first, before `exclude` and before any check of their host.
 */
export function nodesFromManifest(manifest: readonly ManifestNode[], options: ManifestNodeOptions): ManifestNodeList {
  const out: ManifestNodeList = { nodes: [], excluded: [], skipped: [] };
  const seen = new Set<string>();
  const excluded = new Set(options.exclude.filter((name) => name !== 'self'));
  const ofOtherSite = siteFilter(manifest, options.site ?? null);
  for (const node of manifest) {
    const skip = (why: string) => out.skipped.push({ clientId: node.clientId, line: node.line, why });
    const nodeId = nodeIdOfComponent(node.componentId);
    if (nodeId === null) {
      skip(
        node.componentId === null
          ? 'no component_id'
          : `component_id ${JSON.stringify(node.componentId)} names no node`,
      );
      continue;
    }
    const elsewhere = ofOtherSite(node, nodeId);
    if (elsewhere !== null) {
      out.excluded.push({ nodeId, clientId: node.clientId, why: elsewhere });
      continue;
    }
    if (options.exclude.includes('self') && isSelf(node, options.self)) {
      out.excluded.push({ nodeId, clientId: node.clientId, why: 'self' });
      continue;
    }
    if (excluded.has(nodeId) || (node.clientId !== null && excluded.has(node.clientId))) {
      out.excluded.push({ nodeId, clientId: node.clientId, why: 'exclude' });
      continue;
    }
    const login = chooseLogin(node.logins, options.ssh.user);
    const host = login?.hostname ?? node.hostName;
    if (host === null || !HOSTNAME.test(host)) {
      skip(
        host === null
          ? 'no <login hostname> and no <host name>'
          : `host ${JSON.stringify(host)} is not a plain hostname`,
      );
      continue;
    }
    if (seen.has(nodeId)) {
      skip(`node_id ${nodeId} appears twice: the first is kept`);
      continue;
    }
    seen.add(nodeId);
    out.nodes.push({
      nodeId,
      clientId: node.clientId,
      host,
      port: login?.port ?? options.ssh.port,
      user: login?.username ?? options.ssh.user,
      source: options.source,
    });
  }
  return out;
}
