import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The one route that may take `?token=`: the browser's EventSource cannot send headers. */
export const QUERY_TOKEN_ROUTE = '/api/events';

/**
 * Checks `Authorization: Bearer <token>`, or `?token=` on QUERY_TOKEN_ROUTE only (tokens in URLs end
 * up in proxy logs and shell histories). Hashes both sides so the comparison time says nothing
 * about the token.
 */
export function createBearerCheck(token: string): (req: IncomingMessage, url: URL) => boolean {
  const want = digest(token);
  return (req, url) => {
    const header = req.headers.authorization;
    const query = url.pathname === QUERY_TOKEN_ROUTE ? url.searchParams.get('token') : null;
    const offered = header?.startsWith('Bearer ') ? header.slice(7).trim() : query;
    return offered !== null && timingSafeEqual(digest(offered), want);
  };
}
