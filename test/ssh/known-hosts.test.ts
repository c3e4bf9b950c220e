import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  keyTypeOfBlob,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/ssh/known-hosts.js';

/** An SSH public key blob: string(type) string(material). */
function blob(type: string): Buffer {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from(type)), str(randomBytes(32))]);
}
const line = (hosts: string, key: Buffer) => `${hosts} ${keyTypeOfBlob(key)} ${key.toString('base64')}`;
const check = (text: string, host: string, port: number, key: Buffer) =>
  checkHostKey(parseKnownHosts(text), host, port, key);

const ED = blob('ssh-ed25519');
const OTHER_ED = blob('ssh-ed25519');
const RSA = blob('ssh-rsa');
const hasKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'; // `-?` exits 1 after printing usage
  }
})();

describe('known_hosts matching', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-known-hosts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches a bare name on port 22 only, and [host]:port on other ports only', () => {
    expect(check(line('node1.lab', ED), 'node1.lab', 22, ED)).toBe('match');
    expect(check(line('node1.lab', ED), 'node1.lab', 2222, ED)).toBe('unknown');
    expect(check(line('[node1.lab]:2222', ED), 'node1.lab', 2222, ED)).toBe('match');
    expect(check(line('[node1.lab]:2222', ED), 'node1.lab', 22, ED)).toBe('unknown');
  });

  it('matches any name of a comma list, case-insensitively', () => {
    const text = line('alpha,Beta.Lab,[10.0.0.3]:2200', ED);
    expect(['alpha', 'beta.lab'].map((h) => check(text, h, 22, ED))).toEqual(['match', 'match']);
    expect(check(text, '10.0.0.3', 2200, ED)).toBe('match');
    expect(check(text, 'gamma', 22, ED)).toBe('unknown');
  });

  it('matches hashed |1|salt|hash entries by HMAC-SHA1 of the looked-up name', () => {
    const hashed = (name: string) => {
      const salt = randomBytes(20);
      return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    };
    expect(check(line(hashed('node1.lab'), ED), 'node1.lab', 22, ED)).toBe('match');
    expect(check(line(hashed('[node1.lab]:2222'), ED), 'node1.lab', 2222, ED)).toBe('match');
    expect(check(line(hashed('node1.lab'), ED), 'node2.lab', 22, ED)).toBe('unknown');
  });

  it.skipIf(!hasKeygen)('reads entries hashed by ssh-keygen -H', () => {
    const path = join(dir, 'to-hash');
    writeFileSync(path, `${line('node1.lab', ED)}\n${line('[10.1.2.3]:2222', RSA)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('node1.lab');
    expect(check(text, 'node1.lab', 22, ED)).toBe('match');
    expect(check(text, '10.1.2.3', 2222, RSA)).toBe('match');
  });

  it('supports * and ? wildcards, also inside [host]:port', () => {
    expect(check(line('*.lab.example', ED), 'n1.lab.example', 22, ED)).toBe('match');
    expect(check(line('*.lab.example', ED), 'lab.example', 22, ED)).toBe('unknown');
    expect(check(line('node?.lab', ED), 'node7.lab', 22, ED)).toBe('match');
    expect(check(line('node?.lab', ED), 'node17.lab', 22, ED)).toBe('unknown');
    expect(check(line('[10.0.0.*]:2222', ED), '10.0.0.9', 2222, ED)).toBe('match');
    expect(check(line('*', ED), '127.0.0.1', 40000, ED)).toBe('match');
    expect(check(line('n.lab', ED), 'nxlab', 22, ED)).toBe('unknown');
  });

  it('lets a negated pattern veto the whole line', () => {
    const text = line('*.lab,!bad.lab', ED);
    expect(check(text, 'good.lab', 22, ED)).toBe('match');
    expect(check(text, 'bad.lab', 22, ED)).toBe('unknown');
    expect(check(line('!bad.lab', ED), 'good.lab', 22, ED)).toBe('unknown');
  });

  it('reports another key of the same type as a mismatch, and keys of other types as unknown', () => {
    expect(check(line('node1', ED), 'node1', 22, OTHER_ED)).toBe('mismatch');
    expect(check(line('node1', RSA), 'node1', 22, ED)).toBe('unknown');
    expect(check(`${line('node1', ED)}\n${line('node1', RSA)}`, 'node1', 22, RSA)).toBe('match');
  });

  it('treats a revoked key as a mismatch even when it is also trusted', () => {
    expect(check(`${line('node1', ED)}\n@revoked ${line('*', ED)}`, 'node1', 22, ED)).toBe('mismatch');
    expect(check(`${line('node1', ED)}\n@revoked ${line('*', OTHER_ED)}`, 'node1', 22, ED)).toBe('match');
  });

  it('ignores comments, @cert-authority lines and malformed lines', () => {
    const text = [
      '# node1 ssh-ed25519 comment',
      '',
      `@cert-authority ${line('*', ED)}`,
      'node1 ssh-ed25519',
      'node1 ssh-ed25519 not*base64',
      `node1 ssh-rsa ${ED.toString('base64')}`,
      '1024 35 12345 old-rsa1-line',
      `   ${line('node2', ED)} trailing comment  `,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.hosts)).toEqual(['node2']);
    expect(checkHostKey(entries, 'node1', 22, ED)).toBe('unknown');
  });

  it('lists the key types trusted for a host', () => {
    const text = `${line('node1', ED)}\n${line('node1,node2', RSA)}\n@revoked ${line('node1', blob('ecdsa-sha2-nistp256'))}`;
    expect(knownKeyTypes(parseKnownHosts(text), 'node1', 22)).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });
});

describe('appendKnownHost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-known-hosts-append-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and a 0600 file, and writes an entry that matches', async () => {
    const path = join(dir, 'new', '.ssh', 'known_hosts');
    await appendKnownHost(path, '127.0.0.1', 2222, 'ssh-ed25519', ED);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new', '.ssh')).mode & 0o777).toBe(0o700);
    expect(check(readFileSync(path, 'utf8'), '127.0.0.1', 2222, ED)).toBe('match');
  });

  it('starts a new line when the file lacks a final newline and keeps the file mode', async () => {
    const path = join(dir, 'existing');
    writeFileSync(path, line('node1', ED));
    chmodSync(path, 0o644);
    await appendKnownHost(path, 'node2', 22, 'ssh-rsa', RSA);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(check(text, 'node1', 22, ED)).toBe('match');
    expect(check(text, 'node2', 22, RSA)).toBe('match');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });
});
