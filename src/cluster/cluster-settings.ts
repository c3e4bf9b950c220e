import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DEFAULT_CLUSTER_PATH, DEFAULT_CLUSTER_PORT, type ClusterConfig } from '../config/cluster-schema.js';
import { ConfigError, resolvePath } from '../config/load-config.js';
import type { Policy } from './cluster-client.js';
import type { TlsIdentity } from './xml-post.js';

/** What a registration needs, checked and with paths resolved against the configuration's folder. */
export interface ClusterSettings {
  url: string;
  sliceUrn: string;
  credentialPath: string;
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

/** Throws ConfigError naming the first key a registration lacks. */
export function clusterSettings(cluster: ClusterConfig, configDir: string): ClusterSettings {
  const path = (p: string | undefined) => (p === undefined ? undefined : resolvePath(p, configDir));
  const url = cluster.url ?? (cluster.bossHost ? `https://${cluster.bossHost}:${DEFAULT_CLUSTER_PORT}${DEFAULT_CLUSTER_PATH}` : undefined);
  if (url === undefined) throw missing('bossHost', 'required to register the endpoint (or set cluster.url)');
  if (cluster.sliceUrn === undefined) throw missing('sliceUrn', 'required to register the endpoint');
  if (cluster.credentialPath === undefined) throw missing('credentialPath', 'required: the slice credential file');
  if (url.startsWith('https:')) {
    if (cluster.certPath === undefined) throw missing('certPath', 'required for https: your PEM certificate');
    if (cluster.keyPath === undefined) throw missing('keyPath', 'required for https: your PEM private key');
  }
  return {
    url,
    sliceUrn: cluster.sliceUrn,
    credentialPath: resolvePath(cluster.credentialPath, configDir),
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

async function readKeyFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cluster.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, `cluster.${key}`);
  }
}

/** Reads the credential, certificate, key and passphrase; checks they can be used (never logs them). */
export async function readClusterSecrets(settings: ClusterSettings): Promise<ClusterSecrets> {
  const credential = await readKeyFile('credentialPath', settings.credentialPath);
  if (credential.trim() === '') throw missing('credentialPath', `${settings.credentialPath} is empty`);
  if (settings.certPath === undefined || settings.keyPath === undefined) return { credentials: [credential] };
  const cert = await readKeyFile('certPath', settings.certPath);
  const key = await readKeyFile('keyPath', settings.keyPath);
  const passphrase = settings.passphraseFile === undefined
    ? undefined
    : (await readKeyFile('passphraseFile', settings.passphraseFile)).replace(/\r?\n$/, '');
  const ca = settings.caPath === undefined ? undefined : await readKeyFile('caPath', settings.caPath);
  try {
    new X509Certificate(cert);
  } catch {
    throw missing('certPath', `${settings.certPath} is not a PEM certificate`);
  }
  try {
    createPrivateKey({ key, passphrase });
  } catch {
    const key = passphrase === undefined ? 'keyPath' : 'passphraseFile';
    throw missing(key, `cannot read the private key ${settings.keyPath}${passphrase === undefined ? ' (encrypted? set cluster.passphraseFile)' : ' with this passphrase'}`);
  }
  return { credentials: [credential], tls: { cert, key, passphrase, ca } };
}
