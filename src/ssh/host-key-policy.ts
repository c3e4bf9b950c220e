import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  appendKnownHost,
  checkHostKey,
  type KnownHostEntry,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  readKnownHosts,
} from './known-hosts.js';

export type HostKeyChecking = 'yes' | 'accept-new' | 'no';

export interface HostKeyDecision {
  accepted: boolean;
  rejected?: 'host-key-mismatch' | 'host-key-unknown';
  detail: string;
}

/** What one connection attempt needs: an algorithm preference and the verdict on the key offered. */
export interface HostKeyCheck {
  /** Host key algorithms to ask for first (types already in known_hosts), as OpenSSH does. */
  preferredAlgorithms: string[];
  verify(key: Buffer): Promise<HostKeyDecision>;
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export function createHostKeyPolicy(options: { knownHostsPath: string; checking: HostKeyChecking; logger: Logger }) {
  const { knownHostsPath, checking, logger } = options;
  let warnedUnchecked = false;
  // Serialized so two nodes behind one address do not both append the same key.
  let appending: Promise<unknown> = Promise.resolve();

  async function prepare(host: string, port: number): Promise<HostKeyCheck> {
    const entries = checking === 'no' ? [] : await readKnownHosts(knownHostsPath);
    const preferredAlgorithms = knownKeyTypes(entries, host, port).flatMap((t) => ALGORITHMS_BY_KEY_TYPE[t] ?? []);
    return { preferredAlgorithms, verify: (key) => decide(entries, host, port, key) };
  }

  async function decide(entries: KnownHostEntry[], host: string, port: number, key: Buffer): Promise<HostKeyDecision> {
    const name = knownHostName(host, port);
    const offered = `${keyTypeOfBlob(key) ?? 'unknown-type'} ${fingerprint(key)}`;
    if (checking === 'no') {
      if (!warnedUnchecked) logger.warn({ host: name }, 'host key checking disabled');
      warnedUnchecked = true;
      return { accepted: true, detail: `host key not checked: ${offered}` };
    }
    const status = checkHostKey(entries, host, port, key);
    if (status === 'match') return { accepted: true, detail: `host key matches known_hosts: ${offered}` };
    if (status === 'mismatch') {
      logger.error({ host: name, offered, knownHostsPath }, 'host key mismatch');
      return {
        accepted: false,
        rejected: 'host-key-mismatch',
        detail:
          `host key mismatch for ${name}: server offered ${offered}, known_hosts (${knownHostsPath}) has ` +
          `a different or revoked key`,
      };
    }
    if (checking === 'yes') {
      return {
        accepted: false,
        rejected: 'host-key-unknown',
        detail: `host key unknown for ${name} (${offered}) and hostKeyChecking is 'yes'`,
      };
    }
    return addNewKey(host, port, key, offered);
  }

  async function addNewKey(host: string, port: number, key: Buffer, offered: string): Promise<HostKeyDecision> {
    const keyType = keyTypeOfBlob(key);
    const name = knownHostName(host, port);
    if (!keyType) return { accepted: false, rejected: 'host-key-unknown', detail: `unparsable host key from ${name}` };
    const added = appending.then(async () => {
      const fresh = checkHostKey(await readKnownHosts(knownHostsPath), host, port, key);
      if (fresh === 'unknown') await appendKnownHost(knownHostsPath, host, port, keyType, key);
      return fresh;
    });
    appending = added.catch(() => undefined);
    try {
      const fresh = await added;
      if (fresh === 'mismatch') return decide(await readKnownHosts(knownHostsPath), host, port, key);
      logger.info({ host: name, offered, knownHostsPath }, 'host key added to known_hosts');
      return { accepted: true, detail: `host key added: ${offered}` };
    } catch (err) {
      logger.error({ host: name, err }, 'known_hosts append failed');
      return {
        accepted: false,
        rejected: 'host-key-unknown',
        detail: `could not record new host key for ${name}: ${(err as Error).message}`,
      };
    }
  }

  return { prepare };
}
