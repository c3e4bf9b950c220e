import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters, 256 bits. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `{path}/{token}`; a path of `/` gives `/{token}`. */
export function tokenPath(path: string, token: string): string {
  return `${path.replace(/\/+$/, '')}/${token}`;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when the request path (query string ignored) is exactly `expected`. Both sides are hashed
 * first, so the comparison takes the same time whatever the length or the first differing byte.
 */
export function createTokenPathCheck(expected: string): (url: string | undefined) => boolean {
  const want = digest(expected);
  return (url) => {
    const raw = url ?? '';
    const query = raw.indexOf('?');
    return timingSafeEqual(digest(query === -1 ? raw : raw.slice(0, query)), want);
  };
}
