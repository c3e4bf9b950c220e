import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../config/load-config.js';

/**
 * The portal credential split: the certificate (the one the key belongs to first, then any chain) and the key block.
 */
export interface PortalCredential {
  cert: string;
  key: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const KEY_LABELS = new Set([
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'DSA PRIVATE KEY',
]);

const fail = (message: string): never => {
  throw new ConfigError(`cluster.credentialPem: ${message}`, 'cluster.credentialPem');
};

/**
 * Splits the one PEM file the CloudLab portal gives (`cloudlab.pem`: an encrypted private key and the
 * certificate, in either order) into the certificate and the key. Throws ConfigError when the file
 * holds no certificate, no private key, or more than one key.
 */
export function splitPortalCredential(text: string, file: string): PortalCredential {
  const blocks = [...text.matchAll(BLOCK)].map((match) => ({ label: match[1]!, pem: `${match[0]}\n` }));
  const certs = blocks.filter((block) => block.label === 'CERTIFICATE').map((block) => block.pem);
  const keys = blocks.filter((block) => KEY_LABELS.has(block.label)).map((block) => block.pem);
  if (certs.length === 0)
    fail(
      `${file} holds no certificate (no -----BEGIN CERTIFICATE----- block): download the credential again from ` +
        `the portal`,
    );
  if (keys.length === 0)
    fail(
      `${file} holds no private key (no -----BEGIN … PRIVATE KEY----- block): download the credential again ` +
        `from the portal`,
    );
  if (keys.length > 1) fail(`${file} holds ${keys.length} private keys: expected one, with its certificate`);
  return { cert: leafFirst(certs).join(''), key: keys[0]! };
}

/** Certificates that are not CAs first: the server wants the client's own certificate before any chain. */
function leafFirst(certs: string[]): string[] {
  const isCa = (pem: string): boolean => {
    try {
      return new X509Certificate(pem).ca;
    } catch {
      return false;
    }
  };
  return [...certs.filter((pem) => !isCa(pem)), ...certs.filter(isCa)];
}
