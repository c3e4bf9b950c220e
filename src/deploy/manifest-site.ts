import { HOSTNAME } from '../node-list/host-template.js';
import { ManifestError, type ManifestNode } from '../node-list/manifest-rspec.js';
import { isSelf, type SelfIdentity } from '../node-list/self-identity.js';
import { siteOfAuthority } from '../node-list/site.js';
import { siteOfNode, sitesOf } from '../node-list/site-choice.js';

/** What `init` learns from the manifest about the machine it runs on. */
export interface ManifestSite {
  /** This node's public name (`<host name>`): where the cluster calls the endpoint. */
  publicHost: string | null;
  /** The cluster's boss host, from the aggregate that holds the nodes (`boss.<site>`). */
  bossHost: string | null;
  /** The manifest's entry for this machine, when one matched. */
  self: ManifestNode | null;
}

/** A site's boss host, where its cluster serves the dynslice API: `utah.cloudlab.us` → `boss.utah.cloudlab.us`. */
const bossHostOfSite = (site: string | null): string | null => (site === null ? null : `boss.${site}`);

/** `urn:publicid:IDN+utah.cloudlab.us+authority+cm` → `boss.utah.cloudlab.us`. */
export function bossHostOf(componentManagerId: string | null): string | null {
  return bossHostOfSite(siteOfAuthority(componentManagerId));
}

/**
 * This machine's entry in the manifest (matched as `exclude: [self]` matches it), its public name,
 * and the boss host of its aggregate; when this machine is not listed, that of the manifest's only
 * site, and none for a manifest that spans several (which cluster the endpoint registers with is
 * then the user's choice, never the first node's).
 * Throws ManifestError naming `source` for a manifest without nodes.
 */
export function manifestSite(manifest: readonly ManifestNode[], me: SelfIdentity, source: string): ManifestSite {
  if (manifest.length === 0)
    throw new ManifestError(source, null, 'lists no <node>: is it the manifest of a running experiment?');
  const self = manifest.find((node) => isSelf(node, me)) ?? null;
  const named = self?.hostName ?? self?.logins.find((login) => login.hostname !== null)?.hostname ?? null;
  const publicHost = named !== null && HOSTNAME.test(named) ? named : null;
  const sites = sitesOf(manifest);
  const site = (self === null ? null : siteOfNode(self)) ?? (sites.length === 1 ? (sites[0] ?? null) : null);
  return { publicHost, bossHost: bossHostOfSite(site), self };
}
