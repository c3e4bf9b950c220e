import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { runLocalCommand } from '../config/local-command.js';
import type { AgentConfig, NodeConfig } from '../config/schema.js';
import type { ListedNode } from './listed-node.js';
import { type ManifestNodeList, nodesFromManifest } from './manifest-nodes.js';
import { ManifestError, parseManifestInSlices } from './manifest-rspec.js';
import type { SelfIdentity } from './self-identity.js';
import { chooseSite, configuredSite, SEVERAL_SITES } from './site-choice.js';

/** A manifest larger than this is refused (a slice of thousands of nodes is a few MB). */
const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const MANIFEST_COMMAND_TIMEOUT_MS = 60_000;
const CLIENT_ID_TIMEOUT_MS = 10_000;

/** Where the slice's node list comes from, read at start and (for a manifest) again later. */
export interface NodeListSource {
  /** `config`, the manifest file, or `command "…"`: how messages and the `nodes` table name it. */
  label: string;
  /** Seconds between re-reads; null for a list that cannot change (the configuration's). */
  reloadSeconds: number | null;
  /** Throws ManifestError when the manifest cannot be read or parsed. */
  read(): Promise<ManifestNodeList>;
}

export interface NodeListSourceOptions {
  /**
   * This machine, for `exclude: [self]` and for the site of a manifest that spans several (default:
   * os.hostname() and `geni-get client_id`).
   */
  self?: () => Promise<SelfIdentity>;
}

/** The configuration's `nodes:` list, or null when `nodes:` points to a manifest. */
export function configuredNodes(config: AgentConfig): ListedNode[] | null {
  return Array.isArray(config.nodes) ? listedOf(config.nodes, config.ssh) : null;
}

function listedOf(nodes: readonly NodeConfig[], ssh: { user: string; port: number }): ListedNode[] {
  return nodes.map((node) => ({
    nodeId: node.node_id,
    clientId: node.client_id ?? null,
    host: node.host,
    port: node.port ?? ssh.port,
    user: node.user ?? ssh.user,
    source: 'config',
  }));
}

/** The configured node list: `nodes:` as a list, or its manifest. */
export function nodeListSource(config: AgentConfig, options: NodeListSourceOptions = {}): NodeListSource {
  const { nodes, ssh } = config;
  if (Array.isArray(nodes)) {
    const listed = listedOf(nodes, ssh);
    return { label: 'config', reloadSeconds: null, read: async () => ({ nodes: listed, excluded: [], skipped: [] }) };
  }
  const { manifest, exclude, reloadSeconds } = nodes;
  const configured = configuredSite(nodes.site, config.cluster);
  const label = typeof manifest === 'string' ? manifest : `command ${JSON.stringify(manifest.command)}`;
  let self: Promise<SelfIdentity> | undefined;
  const identity = (): Promise<SelfIdentity> => (self ??= (options.self ?? thisMachine)());
  return {
    label,
    reloadSeconds,
    // Every read chooses the site again: a re-read may list nodes of a site the last one did not.
    async read() {
      const text = await readManifestText(manifest, label);
      const parsed = await parseManifestInSlices(text, label);
      const site = await chooseSite(parsed, configured, identity);
      const me = exclude.includes('self') ? await identity() : { hostnames: [], clientId: null };
      const list = nodesFromManifest(parsed, { ssh, exclude, self: me, source: label, site: site.site });
      refuseSharedNodeIds(list, site.sites, label);
      return { ...list, site };
    },
  };
}

/** The manifest's text, from its file or command; ManifestError names `label` when it cannot be read. */
export async function readManifestText(manifest: string | { command: string }, label: string): Promise<string> {
  if (typeof manifest !== 'string') {
    const result = await runLocalCommand(manifest.command, {
      timeoutMs: MANIFEST_COMMAND_TIMEOUT_MS,
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (!result.ok) throw new ManifestError(label, null, `the command failed: ${result.why}`, true);
    return result.stdout;
  }
  try {
    const { size } = await stat(manifest);
    if (size > MAX_MANIFEST_BYTES)
      throw new ManifestError(label, null, `${size} bytes: larger than ${MAX_MANIFEST_BYTES}`);
    return await readFile(manifest, 'utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(label, null, `cannot read it (${(error as Error).message})`, true);
  }
}

/** os.hostname(), and the client_id `geni-get client_id` prints where CloudLab's geni-get exists. */
export async function thisMachine(): Promise<SelfIdentity> {
  const name = hostname();
  const result = await runLocalCommand('geni-get client_id', { timeoutMs: CLIENT_ID_TIMEOUT_MS, maxBytes: 4096 });
  const clientId = result.ok ? result.stdout.trim() || null : null;
  return { hostnames: [name], clientId };
}

/**
 * A manifest whose site the agent cannot tell, where a node_id is at two sites, is not read: the
 * cluster's calls name that node_id and the agent could not say which node they mean (leaving it
 * out would answer it as an unknown node, released undrained). At start that stops the agent (exit
 * 2); a re-read that fails changes nothing.
 */
function refuseSharedNodeIds(list: ManifestNodeList, sites: readonly string[], label: string): void {
  const shared = [...new Set(list.excluded.filter((node) => node.why === SEVERAL_SITES).map((node) => node.nodeId))];
  if (shared.length === 0) return;
  throw new ManifestError(
    label,
    null,
    `lists nodes of ${sites.join(', ')} and ${shared.slice(0, 5).join(', ')}${shared.length > 5 ? ', …' : ''} at ` +
      'several of them, and nothing says which site the endpoint is registered with: set nodes.site ' +
      '(or cluster.url / cluster.bossHost)',
  );
}
