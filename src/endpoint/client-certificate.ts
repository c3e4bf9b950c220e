import type { TLSSocket } from 'node:tls';

export type CertificateVerdict =
  | { accepted: true; subject: string }
  | {
      accepted: false;
      reason: 'client-certificate-missing' | 'client-certificate-untrusted' | 'client-subject-not-allowed';
      subject?: string;
    };

type Rdn = readonly [attribute: string, value: string];

/** Attribute/value pairs, sorted so that the order a DN is written in does not matter. */
function toRdns(parts: readonly string[]): Rdn[] {
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): Rdn => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim().toUpperCase(), part.slice(eq + 1).trim()];
    })
    .sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
}

/** A config entry: `CN=boss,O=Utah`, OpenSSL's `/CN=boss/O=Utah`, or a bare CN. */
function parseAllowedSubject(text: string): Rdn[] {
  const trimmed = text.trim();
  if (!trimmed.includes('=')) return [['CN', trimmed]];
  return toRdns(trimmed.startsWith('/') ? trimmed.slice(1).split('/') : trimmed.split(','));
}

const sameRdns = (a: Rdn[], b: Rdn[]): boolean =>
  a.length === b.length && a.every(([attr, value], i) => attr === b[i]?.[0] && value === b[i]?.[1]);

/**
 * Checks the certificate a caller presented on a TLS socket of a server built with
 * `requestCert: true, rejectUnauthorized: false` (so a refusal can be an HTTP 403, not a TLS abort).
 * `allowedSubjects`: entries without `=` match the certificate's CN; entries with `=` must equal its
 * whole subject DN.
 */
export function createClientCertificateCheck(
  allowedSubjects?: readonly string[],
): (socket: TLSSocket) => CertificateVerdict {
  const allowed = allowedSubjects?.map((entry) => ({ cnOnly: !entry.includes('='), rdns: parseAllowedSubject(entry) }));
  return (socket) => {
    const certificate = socket.getPeerX509Certificate();
    if (certificate === undefined) return { accepted: false, reason: 'client-certificate-missing' };
    const subject = certificate.subject.split('\n').join(', ');
    if (!socket.authorized) return { accepted: false, reason: 'client-certificate-untrusted', subject };
    if (allowed === undefined) return { accepted: true, subject };
    // Node lists one attribute per line; a value may itself hold a comma.
    const rdns = toRdns(certificate.subject.split('\n'));
    const cns = rdns.filter(([attr]) => attr === 'CN');
    const match = allowed.some((entry) =>
      entry.cnOnly ? cns.some(([, cn]) => cn === entry.rdns[0]?.[1]) : sameRdns(entry.rdns, rdns),
    );
    return match ? { accepted: true, subject } : { accepted: false, reason: 'client-subject-not-allowed', subject };
  };
}
