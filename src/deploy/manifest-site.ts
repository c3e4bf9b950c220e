import { isSelf, type SelfIdentity } from '../cluster/manifest-nodes.js';
import { ManifestError, type ManifestNode } from '../cluster/manifest-rspec.js';
import { HOSTNAME } from '../slice/host-template.js';

/** What `init` learns from the manifest about the machine it runs on. */
export interface ManifestSite {
  /** This node's public name (`<host name>`): where the cluster calls the endpoint. */
  publicHost: string | null;
  /** The cluster's boss host, from the aggregate that holds the nodes (`boss.<site>`). */
  bossHost: string | null;
  /** The manifest's entry for this machine, when one matched. */
  self: ManifestNode | null;
}

const AUTHORITY_URN = /^urn:publicid:IDN\+([A-Za-z0-9.-]+)(?::[^+]*)?\+authority\+[A-Za-z0-9._-]+$/;

/** `urn:publicid:IDN+utah.cloudlab.us+authority+cm` → `boss.utah.cloudlab.us`. */
export function bossHostOf(componentManagerId: string | null): string | null {
  const site = componentManagerId === null ? null : (AUTHORITY_URN.exec(componentManagerId)?.[1] ?? null);
  return site === null ? null : `boss.${site}`;
}

/**
 * This machine's entry in the manifest (matched as `exclude: [self]` matches it), its public name,
 * and the boss host of its aggregate (of the first node's when this machine is not listed).
 * Throws ManifestError naming `source` for a manifest without nodes.
 */
export function manifestSite(manifest: readonly ManifestNode[], me: SelfIdentity, source: string): ManifestSite {
  if (manifest.length === 0)
    throw new ManifestError(source, null, 'lists no <node>: is it the manifest of a running experiment?');
  const self = manifest.find((node) => isSelf(node, me)) ?? null;
  const named = self?.hostName ?? self?.logins.find((login) => login.hostname !== null)?.hostname ?? null;
  const publicHost = named !== null && HOSTNAME.test(named) ? named : null;
  const bossHost =
    bossHostOf(self?.componentManagerId ?? null) ??
    manifest.map((node) => bossHostOf(node.componentManagerId)).find((host) => host !== null) ??
    null;
  return { publicHost, bossHost, self };
}
