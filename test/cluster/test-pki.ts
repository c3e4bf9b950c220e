import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

function ca(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl('req', '-x509', ...EC, '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2');
  return { cert, key };
}

/** Signs a certificate request with `issuer`, for two days, with the extensions in `extensions`. */
function signRequest(dir: string, name: string, issuer: { cert: string; key: string }, extensions: string): string {
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  const ca = ['-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial'];
  openssl('x509', '-req', '-in', join(dir, `${name}.csr`), ...ca, '-out', cert, '-days', '2', '-extfile', ext);
  return cert;
}

function signed(
  dir: string,
  name: string,
  cn: string,
  issuer: { cert: string; key: string },
  options: { passphrase?: string; san?: string } = {},
) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const keyProtection = options.passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${options.passphrase}`];
  openssl('req', ...EC, ...keyProtection, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`);
  const cert = signRequest(
    dir,
    name,
    issuer,
    options.san ? `subjectAltName=${options.san}\n` : 'basicConstraints=CA:FALSE\n',
  );
  return { cert, key };
}

export interface TestPki {
  caCert: string;
  server: { cert: string; key: string };
  /** The experimenter's certificate, its key encrypted with `passphrase`. */
  client: { cert: string; key: string; passphrase: string };
  /** Same subject, signed by a CA the server does not trust. */
  rogue: { cert: string; key: string };
  read(path: string): string;
}

/** A CA, a server certificate for 127.0.0.1 and client certificates, made with the openssl CLI. */
export function makeTestPki(dir: string): TestPki {
  const authority = ca(dir, 'cluster-ca');
  const server = signed(dir, 'boss', 'boss.sim.test', authority, { san: 'IP:127.0.0.1' });
  const passphrase = 'correct horse battery staple';
  const client = signed(dir, 'experimenter', 'experimenter', authority, { passphrase });
  const rogue = signed(dir, 'rogue', 'experimenter', ca(dir, 'rogue-ca'));
  return {
    caCert: authority.cert,
    server,
    client: { ...client, passphrase },
    rogue,
    read: (path) => readFileSync(path, 'utf8'),
  };
}

export interface PortalCredentialOptions {
  /** `traditional`: `RSA PRIVATE KEY` with `Proc-Type: 4,ENCRYPTED`; `pkcs8`: `ENCRYPTED PRIVATE KEY`. */
  format: 'traditional' | 'pkcs8';
  passphrase: string;
  /** Which block comes first in the file. */
  order: 'key-first' | 'cert-first';
  cn?: string;
}

/**
 * A credential in the shape the CloudLab portal hands out (`cloudlab.pem`): an encrypted RSA key and
 * its certificate, signed by `issuer`, in one file. Returns the file and its two parts.
 */
export function makePortalCredential(
  dir: string,
  name: string,
  issuer: { cert: string; key: string },
  options: PortalCredentialOptions,
) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const file = join(dir, `${name}.pem`);
  if (options.format === 'traditional') {
    openssl('genrsa', '-traditional', '-aes256', '-passout', `pass:${options.passphrase}`, '-out', key, '2048');
  } else {
    openssl(
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-aes-256-cbc',
      '-pass',
      `pass:${options.passphrase}`,
      '-out',
      key,
    );
  }
  openssl(
    'req',
    '-new',
    '-key',
    key,
    '-passin',
    `pass:${options.passphrase}`,
    '-out',
    csr,
    '-subj',
    `/CN=${options.cn ?? 'experimenter'}/O=CloudLab`,
  );
  const cert = signRequest(dir, name, issuer, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  const [keyText, certText] = [readFileSync(key, 'utf8'), readFileSync(cert, 'utf8')];
  writeFileSync(file, options.order === 'key-first' ? keyText + certText : certText + keyText);
  return { file, key: keyText, cert: certText };
}

/** The cluster's CA of a TestPki, as an issuer for makePortalCredential. */
export const issuerOf = (dir: string) => ({ cert: join(dir, 'cluster-ca.crt'), key: join(dir, 'cluster-ca.key') });
