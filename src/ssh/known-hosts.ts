import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown';

export interface KnownHostEntry {
  revoked: boolean;
  /** The host field as written: a pattern list or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** Parses known_hosts text; comments, `@cert-authority` lines and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      if (fields.shift() !== '@revoked') continue;
      revoked = true;
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) continue;
    const key = Buffer.from(base64, 'base64');
    if (keyTypeOfBlob(key) !== keyType) continue;
    entries.push({ revoked, hosts, keyType, key });
  }
  return entries;
}

/** The name OpenSSH looks up: the bare host on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedHostMatches(field, name);
  const lower = name.toLowerCase();
  let positive = false;
  for (const item of field.split(',')) {
    const negated = item.startsWith('!');
    const pattern = negated ? item.slice(1) : item;
    if (!wildcardMatches(pattern.toLowerCase(), lower)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Revoked beats everything; a different key of the same type is a mismatch; other types say nothing. */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyStatus {
  const name = knownHostName(host, port);
  const type = keyTypeOfBlob(key);
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, name));
  if (forHost.some((e) => e.revoked && e.key.equals(key))) return 'mismatch';
  const trusted = forHost.filter((e) => !e.revoked);
  if (trusted.some((e) => e.key.equals(key))) return 'match';
  if (trusted.some((e) => e.keyType === type)) return 'mismatch';
  return 'unknown';
}

/** Key types trusted for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostName(host, port);
  const types = entries.filter((e) => !e.revoked && hostFieldMatches(e.hosts, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** A missing file is an empty one. */
export async function readKnownHosts(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Adds a plain entry (accept-new); creates the directory (0700) and file (0600) if needed. */
export async function appendKnownHost(
  path: string,
  host: string,
  port: number,
  keyType: string,
  blob: Buffer,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const line = `${knownHostName(host, port)} ${keyType} ${blob.toString('base64')}\n`;
  const separator = (await endsWithoutNewline(path)) ? '\n' : '';
  await appendFile(path, separator + line, { mode: 0o600 });
}

async function endsWithoutNewline(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return false;
  try {
    const { size } = await file.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await file.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await file.close();
  }
}

function hashedHostMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(name);
}
