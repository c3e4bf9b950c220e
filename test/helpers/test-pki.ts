import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The one PKI builder of the tests: certificates made with the openssl CLI, as an operator would.
// The agent's side (its endpoint's certificate, the callers it trusts) is createTestPki; the
// cluster's side (the boss's certificate, the experimenter's) is makeClusterPki.

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** A certificate and its key, as files. */
export interface Issuer {
  cert: string;
  key: string;
}

/** A self-signed certificate (a CA, or a server trusted as itself), for two days. */
function selfSigned(dir: string, name: string, subject: string, san?: string): Issuer {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const extension = san === undefined ? [] : ['-addext', `subjectAltName=${san}`];
  openssl('req', '-x509', ...EC, '-nodes', '-keyout', key, '-out', cert, '-subj', subject, '-days', '2', ...extension);
  return { cert, key };
}

/** Signs `name.csr` with `issuer`, for two days, with `extensions`. */
function signRequest(dir: string, name: string, issuer: Issuer, extensions: string): string {
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  const ca = ['-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial'];
  openssl('x509', '-req', '-in', join(dir, `${name}.csr`), ...ca, '-out', cert, '-days', '2', '-extfile', ext);
  return cert;
}

/** A new EC key and a certificate for `subject` signed by `issuer`; the key encrypted with `passphrase` if given. */
function signedBy(
  dir: string,
  name: string,
  subject: string,
  issuer: Issuer,
  options: { passphrase?: string; san?: string } = {},
): Issuer {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const keyProtection = options.passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${options.passphrase}`];
  openssl('req', ...EC, ...keyProtection, '-keyout', key, '-out', csr, '-subj', subject);
  const extensions = options.san ? `subjectAltName=${options.san}\n` : 'basicConstraints=CA:FALSE\n';
  return { cert: signRequest(dir, name, issuer, extensions), key };
}

export interface PemPair {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

const pemPair = ({ cert, key }: Issuer): PemPair => ({
  certPath: cert,
  keyPath: key,
  cert: readFileSync(cert, 'utf8'),
  key: readFileSync(key, 'utf8'),
});

/** The agent's side: its endpoint's certificate and the callers' certificates it trusts or refuses. */
export interface TestPki {
  dir: string;
  /** Self-signed server certificate for localhost, 127.0.0.1 and ::1 (callers trust it via `ca`). */
  server: PemPair;
  /** The server key encrypted with `passphrase`, which is in `passphrasePath`. */
  encryptedServerKeyPath: string;
  passphrase: string;
  passphrasePath: string;
  caPath: string;
  /** Signed by the CA: `O=Utah, CN=boss.emulab.net`. */
  client: PemPair;
  /** Signed by the CA, but `O=Utah, CN=intruder`. */
  otherSubject: PemPair;
  /** `O=Utah, CN=boss.emulab.net` again, signed by a CA the agent does not trust. */
  foreign: PemPair;
  remove(): Promise<void>;
}

/** The agent's side of a small PKI, in a fresh temporary directory. */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-pki-'));
  const server = selfSigned(dir, 'server', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1');
  const passphrase = 'correct horse battery staple 7';
  const passphrasePath = join(dir, 'passphrase.txt');
  writeFileSync(passphrasePath, `${passphrase}\n`);
  const encryptedServerKeyPath = join(dir, 'server-encrypted.key');
  const encrypt = ['-aes256', '-passout', `file:${passphrasePath}`, '-out', encryptedServerKeyPath];
  openssl('pkey', '-in', server.key, ...encrypt);
  const ca = selfSigned(dir, 'ca', '/CN=dynslice test CA');
  const otherCa = selfSigned(dir, 'other-ca', '/CN=some other CA');
  return {
    dir,
    server: pemPair(server),
    encryptedServerKeyPath,
    passphrase,
    passphrasePath,
    caPath: ca.cert,
    client: pemPair(signedBy(dir, 'client', '/O=Utah/CN=boss.emulab.net', ca)),
    otherSubject: pemPair(signedBy(dir, 'intruder', '/O=Utah/CN=intruder', ca)),
    foreign: pemPair(signedBy(dir, 'foreign', '/O=Utah/CN=boss.emulab.net', otherCa)),
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The cluster's side: the boss's certificate, and the experimenter's certificates it trusts or not. */
export interface ClusterPki {
  caCert: string;
  server: Issuer;
  /** The experimenter's certificate, its key encrypted with `passphrase`. */
  client: Issuer & { passphrase: string };
  /** Same subject, signed by a CA the server does not trust. */
  rogue: Issuer;
  read(path: string): string;
}

/** The cluster's side of a small PKI in `dir`: a CA, a server certificate for 127.0.0.1 and client certificates. */
export function makeClusterPki(dir: string): ClusterPki {
  const authority = selfSigned(dir, 'cluster-ca', '/CN=cluster-ca');
  const server = signedBy(dir, 'boss', '/CN=boss.sim.test', authority, { san: 'IP:127.0.0.1' });
  const passphrase = 'correct horse battery staple';
  const client = signedBy(dir, 'experimenter', '/CN=experimenter', authority, { passphrase });
  const rogue = signedBy(dir, 'rogue', '/CN=experimenter', selfSigned(dir, 'rogue-ca', '/CN=rogue-ca'));
  return {
    caCert: authority.cert,
    server,
    client: { ...client, passphrase },
    rogue,
    read: (path) => readFileSync(path, 'utf8'),
  };
}

/** The cluster's CA of a ClusterPki, as an issuer for makePortalCredential. */
export const issuerOf = (dir: string): Issuer => ({
  cert: join(dir, 'cluster-ca.crt'),
  key: join(dir, 'cluster-ca.key'),
});

export interface PortalCredentialOptions {
  /** `traditional`: `RSA PRIVATE KEY` with `Proc-Type: 4,ENCRYPTED`; `pkcs8`: `ENCRYPTED PRIVATE KEY`. */
  format: 'traditional' | 'pkcs8';
  passphrase: string;
  /** Which block comes first in the file. */
  order: 'key-first' | 'cert-first';
  cn?: string;
  /**
   * The ProtoGENI server the certificate names, as a portal certificate does: an authorityInfoAccess
   * entry under OID 2.25.305821105408246119474742976030998643995 (`https://host:12369/protogeni/xmlrpc/sa`).
   */
  server?: string;
}

/**
 * A credential in the shape the CloudLab portal hands out (`cloudlab.pem`): an encrypted RSA key and
 * its certificate, signed by `issuer`, in one file. Returns the file and its two parts.
 */
export function makePortalCredential(dir: string, name: string, issuer: Issuer, options: PortalCredentialOptions) {
  const key = join(dir, `${name}.key`);
  const file = join(dir, `${name}.pem`);
  const pass = `pass:${options.passphrase}`;
  if (options.format === 'traditional')
    openssl('genrsa', '-traditional', '-aes256', '-passout', pass, '-out', key, '2048');
  else
    openssl(
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-aes-256-cbc',
      '-pass',
      pass,
      '-out',
      key,
    );
  const subject = `/CN=${options.cn ?? 'experimenter'}/O=CloudLab`;
  openssl('req', '-new', '-key', key, '-passin', pass, '-out', join(dir, `${name}.csr`), '-subj', subject);
  const server =
    options.server === undefined
      ? ''
      : `authorityInfoAccess=2.25.305821105408246119474742976030998643995;URI:${options.server}\n`;
  const cert = signRequest(dir, name, issuer, `basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n${server}`);
  const [keyText, certText] = [readFileSync(key, 'utf8'), readFileSync(cert, 'utf8')];
  writeFileSync(file, options.order === 'key-first' ? keyText + certText : certText + keyText);
  return { file, key: keyText, cert: certText };
}
