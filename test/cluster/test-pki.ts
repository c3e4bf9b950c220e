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

function signed(dir: string, name: string, cn: string, issuer: { cert: string; key: string }, options: { passphrase?: string; san?: string } = {}) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const keyProtection = options.passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${options.passphrase}`];
  openssl('req', ...EC, ...keyProtection, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, options.san ? `subjectAltName=${options.san}\n` : 'basicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext);
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
  return { caCert: authority.cert, server, client: { ...client, passphrase }, rogue, read: (path) => readFileSync(path, 'utf8') };
}
