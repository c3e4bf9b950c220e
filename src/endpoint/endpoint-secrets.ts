import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { EndpointConfig } from '../config/endpoint-schema.js';
import { TOKEN_EXPECTATION, TOKEN_PATTERN } from '../config/endpoint-schema.js';
import { ConfigError } from '../config/load-config.js';
import { OperatorError } from '../config/operator-errors.js';
import type { EndpointTls } from './http-server.js';

export interface EndpointSecrets {
  token: string | null;
  tls: EndpointTls | null;
}

const firstLine = (text: string): string => text.split(/\r?\n/, 1)[0]?.trim() ?? '';

async function readKeyFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (key === 'tokenFile' && code === 'ENOENT')
      throw new OperatorError('DYNSLICE_TOKEN_MISSING', 'endpoint.tokenFile', `cannot read ${path} (${code})`, {
        path,
      });
    throw new OperatorError('DYNSLICE_TLS_FILE_UNREADABLE', `endpoint.${key}`, `cannot read ${path} (${code})`, {
      path,
    });
  }
}

/** The step's own error text is left out: OpenSSL messages can quote what it failed to parse. */
function attempt<T>(key: string, what: string, step: () => T): T {
  try {
    return step();
  } catch {
    throw new OperatorError('DYNSLICE_TLS_INVALID', `endpoint.${key}`, what);
  }
}

/**
 * Reads the token and the TLS files the configuration names, and checks them (certificate parses,
 * key decrypts and matches it, CA bundle holds certificates), so a bad file stops the start with
 * a ConfigError naming its key rather than failing the first handshake.
 */
export async function readEndpointSecrets(endpoint: EndpointConfig): Promise<EndpointSecrets> {
  let token = endpoint.token ?? null;
  if (endpoint.tokenFile !== undefined) {
    token = firstLine(await readKeyFile('tokenFile', endpoint.tokenFile));
    if (!TOKEN_PATTERN.test(token))
      throw new ConfigError(`endpoint.tokenFile: ${TOKEN_EXPECTATION}`, 'endpoint.tokenFile');
  }
  if (endpoint.tls === undefined) return { token, tls: null };

  const cert = await readKeyFile('tls.cert', endpoint.tls.cert);
  const key = await readKeyFile('tls.key', endpoint.tls.key);
  const passphrase =
    endpoint.tls.passphraseFile === undefined
      ? undefined
      : firstLine(await readKeyFile('tls.passphraseFile', endpoint.tls.passphraseFile));
  const certificate = attempt('tls.cert', 'not a PEM certificate', () => new X509Certificate(cert));
  const privateKey: KeyObject = attempt(
    passphrase === undefined ? 'tls.key' : 'tls.passphraseFile',
    passphrase === undefined
      ? 'not a PEM private key, or encrypted (set endpoint.tls.passphraseFile)'
      : 'the passphrase does not decrypt endpoint.tls.key',
    () => createPrivateKey({ key, passphrase }),
  );
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new OperatorError(
      'DYNSLICE_TLS_MISMATCH',
      'endpoint.tls.key',
      'does not belong to the certificate in endpoint.tls.cert',
    );
  }
  const tls: EndpointTls = { cert, key, passphrase };
  if (endpoint.clientCa !== undefined) {
    const clientCa = await readKeyFile('clientCa', endpoint.clientCa);
    if (!clientCa.includes('-----BEGIN CERTIFICATE-----'))
      throw new OperatorError('DYNSLICE_TLS_INVALID', 'endpoint.clientCa', 'holds no PEM certificate');
    attempt('clientCa', 'not a PEM CA bundle', () => createSecureContext({ ca: clientCa }));
    tls.clientCa = clientCa;
  }
  return { token, tls };
}
