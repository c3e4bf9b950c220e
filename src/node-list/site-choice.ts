import type { ClusterConfig } from '../config/cluster-schema.js';
import type { ManifestNode } from './manifest-rspec.js';
import { isSelf, type SelfIdentity } from './self-identity.js';
import { componentOf, siteOfAuthority, siteOfBossHost, siteOfUrl } from './site.js';

/** How the site the endpoint is registered with was known, in the order they are tried. */
export type SiteSource = 'nodes.site' | 'cluster.url' | 'cluster.bossHost' | 'self' | 'single site';

/** The site whose nodes the agent manages, and the sites the manifest lists (sorted). */
export interface SiteChoice {
  site: string | null;
  from: SiteSource | null;
  sites: string[];
}

/** Why a node_id is left out when the manifest spans sites and none is chosen. */
export const SEVERAL_SITES = 'node_id at several sites: set nodes.site';

/**
 * The aggregate that holds a node: its component_manager_id's site, else (manifests of older tools
 * omit component_manager_id) its component_id's. Null when neither names a site.
 */
export function siteOfNode(node: ManifestNode): string | null {
  return siteOfAuthority(node.componentManagerId) ?? componentOf(node.componentId)?.site ?? null;
}

/** The sites of the manifest's nodes that name one (the nodes the agent could manage), sorted. */
export function sitesOf(manifest: readonly ManifestNode[]): string[] {
  const sites = manifest
    .filter((node) => componentOf(node.componentId) !== null)
    .map(siteOfNode)
    .filter((site): site is string => site !== null);
  return [...new Set(sites)].sort();
}

/**
 * The site the configuration names: `nodes.site`, else the boss host of `cluster.url` (what the
 * endpoint is registered through), else `cluster.bossHost`. A URL or host that is not
 * `boss.<site>` (an address, a proxy) names none.
 */
export function configuredSite(
  nodesSite: string | undefined,
  cluster: Pick<ClusterConfig, 'url' | 'bossHost'>,
): { site: string; from: SiteSource } | null {
  const candidates: [string | null, SiteSource][] = [
    [nodesSite ?? null, 'nodes.site'],
    [siteOfUrl(cluster.url), 'cluster.url'],
    [siteOfBossHost(cluster.bossHost), 'cluster.bossHost'],
  ];
  const found = candidates.find(([site]) => site !== null);
  return found ? { site: found[0] as string, from: found[1] } : null;
}

/**
 * The site whose nodes the agent manages: the configured one, else that of the node the agent runs
 * on (when it matches nodes of one site only), else the manifest's only site; else none, never one
 * picked among several. `self` is asked for only when the manifest spans sites and none is configured.
 */
export async function chooseSite(
  manifest: readonly ManifestNode[],
  configured: { site: string; from: SiteSource } | null,
  self: () => Promise<SelfIdentity>,
): Promise<SiteChoice> {
  const sites = sitesOf(manifest);
  if (configured !== null) return { ...configured, sites };
  if (sites.length > 1) {
    const me = await self();
    const mine = new Set(manifest.filter((node) => isSelf(node, me)).map(siteOfNode));
    const [only] = mine;
    if (mine.size === 1 && only) return { site: only, from: 'self', sites };
  }
  return sites.length === 1
    ? { site: sites[0] as string, from: 'single site', sites }
    : { site: null, from: null, sites };
}

/**
 * Why a node is left out for its site, or null to keep it. With a site chosen: a node that names
 * another site (a node that names none is kept). With none: a node_id that nodes of two sites
 * share, each of them, so that no call is applied to the other site's node of that name.
 */
export function siteFilter(
  manifest: readonly ManifestNode[],
  site: string | null,
): (node: ManifestNode, nodeId: string) => string | null {
  if (site !== null) {
    return (node) => {
      const at = siteOfNode(node);
      return at === null || at === site ? null : `other site: ${at}`;
    };
  }
  const sitesOfId = new Map<string, Set<string | null>>();
  for (const node of manifest) {
    const nodeId = componentOf(node.componentId)?.name;
    if (nodeId === undefined) continue;
    const seen = sitesOfId.get(nodeId) ?? new Set();
    sitesOfId.set(nodeId, seen.add(siteOfNode(node)));
  }
  return (_node, nodeId) => ((sitesOfId.get(nodeId)?.size ?? 0) > 1 ? SEVERAL_SITES : null);
}
