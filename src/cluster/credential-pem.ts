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
  return { cert: leafFirst(certs).join(''), key: keyWithItsOwnLabel(keys[0]!) };
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

/**
 * A key block labelled `RSA PRIVATE KEY` (the traditional header the portal writes) whose body is in
 * fact PKCS#8, relabelled for what it holds (`PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY`), so that
 * OpenSSL reads it; any other key is returned as it is. A traditional body (RSAPrivateKey: its
 * version, then the modulus, both INTEGERs) or a traditional encrypted one (`Proc-Type`) stays.
 */
export function keyWithItsOwnLabel(key: string): string {
  const block = /-----BEGIN RSA PRIVATE KEY-----\r?\n([\s\S]*?)-----END RSA PRIVATE KEY-----/.exec(key);
  if (block === null || /^Proc-Type:/m.test(block[1]!)) return key;
  const label = pkcs8Label(Buffer.from(block[1]!.replace(/\s+/g, ''), 'base64'));
  return label === null ? key : key.replace(block[0], `-----BEGIN ${label}-----\n${block[1]}-----END ${label}-----`);
}

const INTEGER = 0x02;
const SEQUENCE = 0x30;

/** The PKCS#8 label of a DER key, or null for a traditional RSAPrivateKey (or anything else). */
function pkcs8Label(der: Buffer): 'PRIVATE KEY' | 'ENCRYPTED PRIVATE KEY' | null {
  if (der[0] !== SEQUENCE) return null;
  const first = elementAfter(der, 0);
  if (first === null) return null;
  // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE algorithm, OCTET STRING }.
  if (der[first] === SEQUENCE) return 'ENCRYPTED PRIVATE KEY';
  if (der[first] !== INTEGER) return null;
  // PrivateKeyInfo: SEQUENCE { INTEGER version, SEQUENCE algorithm, … }; RSAPrivateKey: INTEGERs only.
  const second = skip(der, first);
  return second !== null && der[second] === SEQUENCE ? 'PRIVATE KEY' : null;
}

/** Where the first element inside the constructed element at `at` starts. */
function elementAfter(der: Buffer, at: number): number | null {
  const header = lengthAt(der, at + 1);
  return header === null ? null : at + 1 + header.size;
}

/** Where the element after the one at `at` starts. */
function skip(der: Buffer, at: number): number | null {
  const header = lengthAt(der, at + 1);
  return header === null ? null : at + 1 + header.size + header.length;
}

/** A DER length at `at`: its value and how many bytes it takes. */
function lengthAt(der: Buffer, at: number): { length: number; size: number } | null {
  const first = der[at];
  if (first === undefined) return null;
  if (first < 0x80) return { length: first, size: 1 };
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || at + bytes >= der.length) return null;
  let length = 0;
  for (let i = 1; i <= bytes; i += 1) length = length * 256 + der[at + i]!;
  return { length, size: 1 + bytes };
}
