import { readFile } from 'node:fs/promises';
import { type ClusterConfig, DEFAULT_CLUSTER_PATH, DEFAULT_CLUSTER_PORT } from '../config/cluster-schema.js';
import { ConfigError, resolvePath } from '../config/load-config.js';
import { checkClientIdentity, type IdentityNames, isEncryptedKey } from './client-identity.js';
import type { Policy } from './cluster-client.js';
import { keyWithItsOwnLabel, splitPortalCredential } from './credential-pem.js';
import { type CredentialServer, clusterUrlOf, credentialServer } from './credential-server.js';
import type { TlsIdentity } from './xml-post.js';

/** What a registration needs, checked and with paths resolved against the configuration's folder. */
export interface ClusterSettings {
  url: string;
  sliceUrn: string;
  credentialPath: string;
  /** The portal's one PEM file (key and certificate), instead of certPath and keyPath. */
  credentialPem?: string;
  certPath?: string;
  keyPath?: string;
  passphraseFile?: string;
  caPath?: string;
  policy?: Policy;
  defwaittime?: number;
  endpointUrl?: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  unregisterOnStop: boolean;
}

const missing = (key: string, why: string) => new ConfigError(`cluster.${key}: ${why}`, `cluster.${key}`);

/**
 * Throws ConfigError naming the first key a registration lacks. The cluster's URL: `cluster.url`;
 * else the server the credential's certificate names (`named`: credentialServerOf); else the one
 * `cluster.bossHost` gives.
 */
export function clusterSettings(
  cluster: ClusterConfig,
  configDir: string,
  named: CredentialServer | null = null,
): ClusterSettings {
  const path = (p: string | undefined) => (p === undefined ? undefined : resolvePath(p, configDir));
  const url =
    cluster.url ??
    (named && clusterUrlOf(named)) ??
    (cluster.bossHost ? `https://${cluster.bossHost}:${DEFAULT_CLUSTER_PORT}${DEFAULT_CLUSTER_PATH}` : undefined);
  if (url === undefined)
    throw missing(
      'bossHost',
      'required to register the endpoint: your credential names no server (or set cluster.url)',
    );
  if (cluster.sliceUrn === undefined) throw missing('sliceUrn', 'required to register the endpoint');
  if (cluster.credentialPath === undefined) throw missing('credentialPath', 'required: the slice credential file');
  if (cluster.credentialPem !== undefined && (cluster.certPath !== undefined || cluster.keyPath !== undefined)) {
    throw missing('credentialPem', 'set credentialPem (the portal credential) or certPath and keyPath, not both');
  }
  if (url.startsWith('https:') && cluster.credentialPem === undefined) {
    if (cluster.certPath === undefined)
      throw missing(
        'certPath',
        'required for https: your PEM certificate (or cluster.credentialPem: the credential file from the portal)',
      );
    if (cluster.keyPath === undefined) throw missing('keyPath', 'required for https: your PEM private key');
  }
  return {
    url,
    sliceUrn: cluster.sliceUrn,
    credentialPath: resolvePath(cluster.credentialPath, configDir),
    credentialPem: path(cluster.credentialPem),
    certPath: path(cluster.certPath),
    keyPath: path(cluster.keyPath),
    passphraseFile: path(cluster.passphraseFile),
    caPath: path(cluster.caPath),
    policy: cluster.policy,
    defwaittime: cluster.defwaittime,
    endpointUrl: cluster.endpointUrl,
    timeoutMs: cluster.timeoutSeconds * 1000,
    retries: cluster.retries,
    retryDelayMs: cluster.retryDelaySeconds * 1000,
    unregisterOnStop: cluster.unregisterOnStop,
  };
}

export interface ClusterSecrets {
  credentials: string[];
  tls?: TlsIdentity;
}

export interface SecretOptions {
  /** Asks for the passphrase of an encrypted key when no passphraseFile is set (a terminal). */
  askPassphrase?: (file: string) => Promise<string>;
  /** For the certificate's validity (default: now). */
  now?: number;
}

async function readKeyFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cluster.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      `cluster.${key}`,
    );
  }
}

/** The certificate and key: from the portal's one PEM file, or from certPath and keyPath. */
async function readIdentity(
  settings: ClusterSettings,
): Promise<{ cert: string; key: string; names: Omit<IdentityNames, 'passphrase'> } | null> {
  if (settings.credentialPem !== undefined) {
    const { cert, key } = splitPortalCredential(
      await readKeyFile('credentialPem', settings.credentialPem),
      settings.credentialPem,
    );
    const both = { key: 'cluster.credentialPem', file: settings.credentialPem };
    return { cert, key, names: { cert: both, key: both } };
  }
  if (settings.certPath === undefined || settings.keyPath === undefined) return null;
  const cert = await readKeyFile('certPath', settings.certPath);
  const key = await readKeyFile('keyPath', settings.keyPath);
  return {
    cert,
    key,
    names: {
      cert: { key: 'cluster.certPath', file: settings.certPath },
      key: { key: 'cluster.keyPath', file: settings.keyPath },
    },
  };
}

/**
 * The server the configured certificate (`credentialPem`, or `certPath`) names, or null: none named,
 * or no certificate to read yet (readClusterSecrets then says what is wrong with it).
 */
export async function credentialServerOf(cluster: ClusterConfig, configDir: string): Promise<CredentialServer | null> {
  const file = cluster.credentialPem ?? cluster.certPath;
  if (file === undefined) return null;
  const text = await readFile(resolvePath(file, configDir), 'utf8').catch(() => null);
  return text === null ? null : credentialServer(text);
}

/** Reads the credential, certificate, key and passphrase; checks they can be used (never logs them). */
export async function readClusterSecrets(
  settings: ClusterSettings,
  options: SecretOptions = {},
): Promise<ClusterSecrets> {
  const credential = await readKeyFile('credentialPath', settings.credentialPath);
  if (credential.trim() === '') throw missing('credentialPath', `${settings.credentialPath} is empty`);
  const identity = await readIdentity(settings);
  if (identity === null) return { credentials: [credential] };
  const { cert, names } = identity;
  const key = keyWithItsOwnLabel(identity.key);
  let passphrase: string | undefined;
  let from: IdentityNames['passphrase'] = null;
  if (settings.passphraseFile !== undefined) {
    passphrase = (await readKeyFile('passphraseFile', settings.passphraseFile)).replace(/\r?\n$/, '');
    from = { key: 'cluster.passphraseFile', from: `in ${settings.passphraseFile}` };
  } else if (isEncryptedKey(key) && options.askPassphrase) {
    passphrase = await options.askPassphrase(names.key.file);
    from = { key: 'cluster.passphraseFile', from: 'typed' };
  }
  const ca = settings.caPath === undefined ? undefined : await readKeyFile('caPath', settings.caPath);
  checkClientIdentity(cert, key, passphrase, { ...names, passphrase: from }, options.now ?? Date.now());
  return { credentials: [credential], tls: { cert, key, passphrase, ca } };
}
