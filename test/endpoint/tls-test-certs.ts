import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const openssl = (...args: string[]) => run('openssl', args);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface PemPair {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

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

async function pair(dir: string, name: string): Promise<PemPair> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

async function selfSigned(dir: string, name: string, subject: string, ...extra: string[]): Promise<PemPair> {
  await openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-subj',
    subject,
    ...extra,
  );
  return pair(dir, name);
}

async function signed(dir: string, name: string, subject: string, ca: string): Promise<PemPair> {
  const csr = join(dir, `${name}.csr`);
  await openssl('req', '-new', ...EC, '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', subject);
  await openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, `${ca}.crt`),
    '-CAkey',
    join(dir, `${ca}.key`),
    '-CAcreateserial',
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
  );
  return pair(dir, name);
}

/** Generates a small PKI with the openssl CLI into a fresh temp dir. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-pki-'));
  const server = await selfSigned(
    dir,
    'server',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  );
  const passphrase = 'correct horse battery staple 7';
  const passphrasePath = join(dir, 'passphrase.txt');
  await writeFile(passphrasePath, `${passphrase}\n`);
  const encryptedServerKeyPath = join(dir, 'server-encrypted.key');
  await openssl(
    'pkey',
    '-in',
    server.keyPath,
    '-aes256',
    '-passout',
    `file:${passphrasePath}`,
    '-out',
    encryptedServerKeyPath,
  );
  await selfSigned(dir, 'ca', '/CN=dynslice test CA');
  await selfSigned(dir, 'other-ca', '/CN=some other CA');
  return {
    dir,
    server,
    encryptedServerKeyPath,
    passphrase,
    passphrasePath,
    caPath: join(dir, 'ca.crt'),
    client: await signed(dir, 'client', '/O=Utah/CN=boss.emulab.net', 'ca'),
    otherSubject: await signed(dir, 'intruder', '/O=Utah/CN=intruder', 'ca'),
    foreign: await signed(dir, 'foreign', '/O=Utah/CN=boss.emulab.net', 'other-ca'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
