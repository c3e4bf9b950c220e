import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/config/cidr.js';
import { createRefusalLog } from '../../src/endpoint/refusal-log.js';
import { createSourceAllowList } from '../../src/endpoint/source-allow-list.js';
import { createTokenPathCheck, generateToken, tokenPath } from '../../src/endpoint/token-path.js';
import { captureLogger } from '../helpers/capture-logger.js';

describe('the source allow-list', () => {
  const allowed = createSourceAllowList(['192.0.2.0/24', '198.51.100.7', '2001:db8::/32']);

  it.each([
    ['192.0.2.200', true],
    ['192.0.3.1', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['2001:db8:1::9', true],
    ['2001:db9::1', false],
    ['::ffff:192.0.2.9', true],
    ['::FFFF:198.51.100.7', true],
    ['::ffff:10.0.0.1', false],
    ['::1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(allowed(address)).toBe(expected);
  });

  it('refuses a socket whose address is gone', () => {
    expect(allowed(undefined)).toBe(false);
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0/8', 'cloudlab.us', '10.0.0.0/-1', ''])(
    'rejects "%s" as a CIDR',
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );
});

describe('the token path', () => {
  it('generates 43-character base64url tokens that differ', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('matches only the exact path, whatever the query string', () => {
    const token = generateToken();
    const matches = createTokenPathCheck(tokenPath('/dynslice/', token));
    expect(matches(`/dynslice/${token}`)).toBe(true);
    expect(matches(`/dynslice/${token}?x=1`)).toBe(true);
    expect([`/dynslice/${token.slice(1)}`, `/dynslice/${token}0`, '/dynslice', undefined, ''].map(matches)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('the refusal log', () => {
  it('writes at most the set number of lines a second, and counts the ones it left out', () => {
    const { logger, lines } = captureLogger();
    let now = 0;
    const log = createRefusalLog(logger, 3, () => now);
    for (let i = 0; i < 10; i += 1) log({ status: 403, reason: 'wrong-path', remoteAddress: '192.0.2.1' });
    now = 1000;
    log({ status: 403, reason: 'wrong-path', remoteAddress: '192.0.2.1' });
    expect(lines.map((line) => line.suppressed)).toEqual([undefined, undefined, undefined, 7]);
  });
});
