import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ConfigError } from '../config/load-config.js';

/**
 * A PEM private key block is encrypted: PKCS#8 `ENCRYPTED PRIVATE KEY`, or the traditional `Proc-Type: 4,ENCRYPTED`
 * header.
 */
export function isEncryptedKey(key: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key) || /^Proc-Type:\s*4,ENCRYPTED\s*$/m.test(key);
}

/** How messages name the files and keys of an identity (the portal's one PEM file, or a certificate and a key). */
export interface IdentityNames {
  /** The configuration key and the file of the certificate, e.g. `cluster.credentialPem` and its path. */
  cert: { key: string; file: string };
  /** The same for the private key (the same file for a portal credential). */
  key: { key: string; file: string };
  /** Where the passphrase came from: `cluster.passphraseFile` and its path, or a terminal. */
  passphrase: { key: string; from: string } | null;
}

const fail = (key: string, message: string): never => {
  throw new ConfigError(`${key}: ${message}`, key);
};

const day = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Checks that a client certificate and its private key can be used: the key decrypts, the
 * certificate is valid at `now` and the key belongs to it. Each failure is a ConfigError naming
 * the configuration key and file (OpenSSL's own text is left out: it can quote what it failed to parse).
 */
export function checkClientIdentity(
  cert: string,
  key: string,
  passphrase: string | undefined,
  names: IdentityNames,
  now: number,
): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    return fail(names.cert.key, `the certificate in ${names.cert.file} cannot be read as a PEM certificate`);
  }
  const encrypted = isEncryptedKey(key);
  if (encrypted && passphrase === undefined) {
    return fail(
      names.passphrase?.key ?? 'cluster.passphraseFile',
      `the private key in ${names.key.file} is encrypted: set cluster.passphraseFile (register asks for it on a ` +
        `terminal)`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key, passphrase: encrypted ? passphrase : undefined });
  } catch {
    if (encrypted) {
      const given = names.passphrase === null ? 'the passphrase' : `the passphrase ${names.passphrase.from}`;
      return fail(
        names.passphrase?.key ?? names.key.key,
        `${given} does not decrypt the private key in ${names.key.file}`,
      );
    }
    return fail(names.key.key, `the private key in ${names.key.file} cannot be read as a PEM private key`);
  }
  const subject =
    certificate.subject.split('\n').find((part) => part.startsWith('CN=')) ?? certificate.subject.replace(/\n/g, ', ');
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (now > validTo.getTime()) {
    fail(
      names.cert.key,
      `the certificate in ${names.cert.file} (${subject}) expired on ${day(validTo)}: get a new one from the portal`,
    );
  }
  if (now < validFrom.getTime()) {
    fail(
      names.cert.key,
      `the certificate in ${names.cert.file} (${subject}) is not valid before ${day(validFrom)}: check this ` +
        `machine's clock`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    fail(
      names.key.key,
      `the private key in ${names.key.file} does not belong to the certificate in ${names.cert.file} (${subject})`,
    );
  }
}
