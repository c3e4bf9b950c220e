import { X509Certificate } from 'node:crypto';
import { DEFAULT_CLUSTER_PATH } from '../config/cluster-schema.js';

/**
 * The access method under which an Emulab portal certificate names its ProtoGENI server, in the
 * certificate's authorityInfoAccess: `https://<host>:12369/protogeni/xmlrpc/sa`. Emulab's own
 * ProtoGENI test client reads it the same way (protogeni/test/test-common.py: the entry whose
 * access_method is this OID; the trailing `sa` dropped; host and port kept).
 */
export const PROTOGENI_SERVER_OID = '2.25.305821105408246119474742976030998643995';

/** The cluster's ProtoGENI server, as a credential's certificate names it. */
export interface CredentialServer {
  host: string;
  port: number;
}

/** The server `certPem` (the first certificate of a PEM text) names, or null when it names none. */
export function credentialServer(certPem: string): CredentialServer | null {
  let access: string | undefined;
  try {
    access = new X509Certificate(certPem).infoAccess;
  } catch {
    return null;
  }
  // Node prints each entry as `<method> - URI:<location>`; an unnamed method by its dotted OID.
  const entry = access
    ?.split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith(`${PROTOGENI_SERVER_OID} - URI:`));
  if (entry === undefined) return null;
  try {
    const url = new URL(entry.slice(`${PROTOGENI_SERVER_OID} - URI:`.length).trim());
    if (url.protocol !== 'https:' || url.hostname === '') return null;
    return { host: url.hostname, port: url.port === '' ? 443 : Number(url.port) };
  } catch {
    return null;
  }
}

/** The endpoint-registration URL on that server. */
export const clusterUrlOf = ({ host, port }: CredentialServer): string =>
  `https://${host.includes(':') ? `[${host}]` : host}:${port}${DEFAULT_CLUSTER_PATH}`;
