import { HOSTNAME } from '../slice/host-template.js';
import type { ListedNode } from '../slice/listed-node.js';
import type { ManifestLogin, ManifestNode } from './manifest-rspec.js';

/** What identifies the machine the agent runs on, to leave it out of the nodes it drains. */
export interface SelfIdentity {
  /** This machine's hostname, full and short (os.hostname()). */
  hostnames: string[];
  /** The client_id `geni-get client_id` printed, when that command exists here. */
  clientId: string | null;
}

export interface ManifestNodeOptions {
  /** Login defaults, and the username whose login is preferred when a node has several. */
  ssh: { user: string; port: number };
  /** `self`, client_ids and node_ids to leave out. */
  exclude: readonly string[];
  self: SelfIdentity;
  /** Names the manifest in each node's `source`. */
  source: string;
}

export interface ManifestNodeList {
  nodes: ListedNode[];
  /** Left out by `exclude` (`self` when it matched this machine). */
  excluded: { nodeId: string; clientId: string | null; why: string }[];
  /** Nodes the manifest gives no usable node_id or host for, or repeats. */
  skipped: { clientId: string | null; line: number; why: string }[];
}

const NODE_URN = /^urn:publicid:IDN\+[^+]+\+node\+([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** `urn:publicid:IDN+utah.cloudlab.us+node+pc101` → `pc101`: the node_id the cluster's calls use. */
export function nodeIdOfComponent(componentId: string | null): string | null {
  return componentId === null ? null : (NODE_URN.exec(componentId)?.[1] ?? null);
}

/** The login to use: the one for `user` when the node has it, else the first. */
export function chooseLogin(logins: readonly ManifestLogin[], user: string): ManifestLogin | undefined {
  return logins.find((login) => login.username === user) ?? logins[0];
}

const shortName = (host: string): string => host.split('.')[0] ?? host;

/** Whether a manifest node is the machine the agent runs on: its hostname, full or short, or its client_id. */
export function isSelf(node: ManifestNode, self: SelfIdentity): boolean {
  if (self.clientId !== null && node.clientId === self.clientId) return true;
  const names = [node.hostName, ...node.logins.map((login) => login.hostname)].filter(
    (name): name is string => name !== null,
  );
  return self.hostnames.some((mine) => {
    const lower = mine.toLowerCase();
    return names.some(
      (name) => name.toLowerCase() === lower || (!lower.includes('.') && shortName(name).toLowerCase() === lower),
    );
  });
}

/**
 * The manifest's nodes as the agent reaches them: node_id from component_id, host from the chosen
 * login (else `<host name>`), user and port from that login (else the ssh defaults).
 */
export function nodesFromManifest(manifest: readonly ManifestNode[], options: ManifestNodeOptions): ManifestNodeList {
  const out: ManifestNodeList = { nodes: [], excluded: [], skipped: [] };
  const seen = new Set<string>();
  const excluded = new Set(options.exclude.filter((name) => name !== 'self'));
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
