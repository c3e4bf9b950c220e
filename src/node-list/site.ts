/**
 * A site is the domain an aggregate's URNs are published under, e.g. `utah.cloudlab.us`: the
 * authority of its component manager (`urn:publicid:IDN+utah.cloudlab.us+authority+cm`) and of
 * the nodes it holds (`urn:publicid:IDN+utah.cloudlab.us+node+pc101`). Sites are kept lowercased,
 * as domain names compare.
 */

const URN = /^urn:publicid:IDN\+([^+]+)\+([^+]+)\+([^+]+)$/;
/** A domain of at least two labels: a site is never a bare name (`pc101` is a node's). */
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const AUTHORITY_NAME = /^[A-Za-z0-9._-]+$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A URN's three parts: `urn:publicid:IDN+<authority>+<type>+<name>`. */
function partsOf(urn: string | null): { authority: string; type: string; name: string } | null {
  const [, authority = '', type = '', name = ''] = (urn === null ? null : URN.exec(urn)) ?? [];
  return type === '' ? null : { authority, type, name };
}

/** A domain name as a site (`Utah.CloudLab.us` → `utah.cloudlab.us`); null for anything else. */
export function siteOfDomain(text: string): string | null {
  return DOMAIN.test(text) ? text.toLowerCase() : null;
}

/** The site of a URN's authority part; a sub-authority (`emulab.net:proj`) belongs to its domain's site. */
const siteOfAuthorityPart = (authority: string): string | null => siteOfDomain(authority.split(':')[0] ?? '');

/** `urn:publicid:IDN+utah.cloudlab.us+authority+cm` → `utah.cloudlab.us`; null for other URNs. */
export function siteOfAuthority(urn: string | null): string | null {
  const parts = partsOf(urn);
  return parts?.type === 'authority' && AUTHORITY_NAME.test(parts.name) ? siteOfAuthorityPart(parts.authority) : null;
}

/**
 * `urn:publicid:IDN+utah.cloudlab.us+node+pc101` → the node's bare name, `pc101` (the node_id the
 * cluster's calls use), and its site (null when the authority is not a domain). Null for a URN
 * that names no node (a link, an interface) or a name that is not a plain id.
 */
export function componentOf(componentId: string | null): { name: string; site: string | null } | null {
  const parts = partsOf(componentId);
  if (parts?.type !== 'node' || !NODE_NAME.test(parts.name)) return null;
  return { name: parts.name, site: siteOfAuthorityPart(parts.authority) };
}

/** `boss.utah.cloudlab.us` → `utah.cloudlab.us`: a cluster's boss host names its site; another host does not. */
export function siteOfBossHost(host: string | undefined): string | null {
  const rest = /^boss\.(.+)$/i.exec(host ?? '')?.[1];
  return rest === undefined ? null : siteOfDomain(rest);
}

/** The site of the boss host a cluster URL names (`https://boss.utah.cloudlab.us:12369/…`). */
export function siteOfUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    return siteOfBossHost(new URL(url).hostname);
  } catch {
    return null;
  }
}
