import { readFile } from 'node:fs/promises';
import { checkClientIdentity, isEncryptedKey } from '../cluster/client-identity.js';
import { splitPortalCredential } from '../cluster/credential-pem.js';
import { type CredentialServer, credentialServer } from '../cluster/credential-server.js';
import { ConfigError } from '../config/load-config.js';

const readOrFail = async (key: string, file: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, key);
  }
};

/**
 * Checks the portal's credential file as `register` will use it: a certificate and its key, the
 * certificate valid now, and (with a passphrase file) the key decrypting and matching it.
 * Throws ConfigError naming the file. Resolves with the server the certificate names, if any.
 */
export async function checkPortalCredential(
  credentialPem: string,
  passphraseFile: string | undefined,
): Promise<CredentialServer | null> {
  const { cert, key } = splitPortalCredential(await readOrFail('cluster.credentialPem', credentialPem), credentialPem);
  const names = {
    cert: { key: 'cluster.credentialPem', file: credentialPem },
    key: { key: 'cluster.credentialPem', file: credentialPem },
  };
  if (passphraseFile === undefined) {
    // An encrypted key without its passphrase file is checked when `register` asks for the passphrase.
    if (!isEncryptedKey(key)) checkClientIdentity(cert, key, undefined, { ...names, passphrase: null }, Date.now());
    return credentialServer(cert);
  }
  const passphrase = (await readOrFail('cluster.passphraseFile', passphraseFile)).replace(/\r?\n$/, '');
  checkClientIdentity(
    cert,
    key,
    passphrase,
    { ...names, passphrase: { key: 'cluster.passphraseFile', from: `in ${passphraseFile}` } },
    Date.now(),
  );
  return credentialServer(cert);
}
