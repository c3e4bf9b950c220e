import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Days a certificate made by `init` is valid: the longest most TLS clients still accept. */
export const CERTIFICATE_DAYS = 825;

export class CertificateError extends Error {
  readonly code = 'CERTIFICATE_FAILED';
}

/** Whether `certFile` holds a certificate valid now for `host` (a re-run keeps what it made). */
export async function certificateFits(certFile: string, host: string, now = Date.now()): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(certFile));
    const valid = Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);
    return valid && (cert.checkHost(host) !== undefined || cert.checkIP(host) !== undefined);
  } catch {
    return false;
  }
}

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

/**
 * A self-signed certificate for `host` (P-256 key, the name in subjectAltName) made with the
 * `openssl` command-line tool; the key is written with mode 0600. Files appear whole or not at all.
 */
export async function makeSelfSignedCertificate(host: string, certFile: string, keyFile: string): Promise<void> {
  await mkdir(dirname(certFile), { recursive: true, mode: 0o700 });
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const [certPart, keyPart] = [`${certFile}.part`, `${keyFile}.part`];
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(CERTIFICATE_DAYS),
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=${isIp(host) ? 'IP' : 'DNS'}:${host}`,
    '-keyout',
    keyPart,
    '-out',
    certPart,
  ];
  try {
    await run('openssl', args, { timeout: 30_000, env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
  } catch (error) {
    const { code, stderr } = error as { code?: string | number; stderr?: string };
    const why =
      code === 'ENOENT'
        ? 'the openssl command is not installed (apt-get install openssl)'
        : String(stderr ?? error)
            .trim()
            .split('\n')[0];
    throw new CertificateError(`cannot make a certificate for ${host} in ${certFile}: ${why}`);
  }
  await chmod(keyPart, 0o600);
  await rename(keyPart, keyFile);
  await rename(certPart, certFile);
}
