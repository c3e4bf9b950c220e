import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createClientCertificateCheck } from './client-certificate.js';
import { createSourceAllowList } from './source-allow-list.js';
import { createTokenPathCheck } from './token-path.js';

export type RefusalReason =
  | 'source-not-allowed'
  | 'client-certificate-missing'
  | 'client-certificate-untrusted'
  | 'client-subject-not-allowed'
  | 'wrong-path'
  | 'too-many-requests'
  | 'refused';

export type Admission =
  | { allowed: true; subject?: string }
  | { allowed: false; status: 403 | 503; reason: RefusalReason; subject?: string };

export interface CallerGateOptions {
  /** The one path callers may use (`{path}/{token}`); any other path is refused with 403. */
  exactPath?: string;
  /** CIDRs the caller's address must lie in. */
  allow?: readonly string[];
  /** Require a client certificate signed by the server's `ca` (TLS servers only). */
  clientCertificates?: { subjects?: readonly string[] };
}

export type CallerGate = (req: IncomingMessage, res: ServerResponse) => Admission;

/**
 * Decides from the connection and the request line alone, before any of the body is read:
 * source address, then client certificate, then token path.
 */
export function createCallerGate(options: CallerGateOptions): CallerGate {
  const sourceAllowed = options.allow === undefined ? undefined : createSourceAllowList(options.allow);
  const certificate = options.clientCertificates && createClientCertificateCheck(options.clientCertificates.subjects);
  const pathMatches = options.exactPath === undefined ? undefined : createTokenPathCheck(options.exactPath);
  return (req) => {
    if (sourceAllowed !== undefined && !sourceAllowed(req.socket.remoteAddress)) {
      return { allowed: false, status: 403, reason: 'source-not-allowed' };
    }
    let subject: string | undefined;
    if (certificate !== undefined) {
      const verdict = certificate(req.socket as TLSSocket);
      if (!verdict.accepted) return { allowed: false, status: 403, reason: verdict.reason, subject: verdict.subject };
      subject = verdict.subject;
    }
    if (pathMatches !== undefined && !pathMatches(req.url))
      return { allowed: false, status: 403, reason: 'wrong-path', subject };
    return subject === undefined ? { allowed: true } : { allowed: true, subject };
  };
}

/** A plain boolean from a custom `allowRequest` hook reads as admitted or refused with 403. */
export function admissionOf(result: boolean | Admission): Admission {
  if (result === true) return { allowed: true };
  if (result === false) return { allowed: false, status: 403, reason: 'refused' };
  return result;
}
