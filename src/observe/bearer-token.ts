import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>`, or `?token=` for the browser's EventSource (which
 * cannot send headers). Hashes both sides so the comparison time says nothing about the token.
 */
export function createBearerCheck(token: string): (req: IncomingMessage, url: URL) => boolean {
  const want = digest(token);
  return (req, url) => {
    const header = req.headers.authorization;
    const offered = header?.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('token');
    return offered !== null && timingSafeEqual(digest(offered), want);
  };
}
