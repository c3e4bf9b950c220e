import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorErrorCode } from '../../src/config/operator-errors.js';
import { makeSelfSignedCertificate } from '../../src/deploy/self-signed-certificate.js';
import { BIN } from '../helpers/agent-process.js';

/**
 * The built CLI as an operator without privileges runs it: as root (CI), every capability is
 * dropped (no binding of ports below 1024, no writing where the file modes say no); as anyone
 * else, as that user.
 */
function asOperator(args: string[]): { status: number | null; stderr: string } {
  const command = [process.execPath, BIN, ...args];
  const [file, ...rest] =
    process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all', ...command] : command;
  const result = spawnSync(file!, rest, { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr };
}

/** Whether this machine lets an unprivileged process bind port 1023 (some containers lower the limit). */
const privilegedPortsExist = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) > 1023;

interface Mistake {
  commands: Array<'check' | 'run' | 'drill'>;
  /** The configuration's text, given the scratch directory. */
  config: (dir: string) => string;
  key: string;
  code: OperatorErrorCode;
  /** The fix, as it reads for this case. */
  fix: (dir: string) => string;
}

const NODE = 'nodes: [{ node_id: pc1, host: 127.0.0.1 }]\n';
const NO_NODES = 'nodes: []\n';
const keyAt = (dir: string, name: string) =>
  `${NODE}ssh: { privateKeyPath: ${join(dir, name)}, hostKeyChecking: accept-new }\nstate: { dir: ${join(dir, 'state')} }\n`;

describe('the first hour: each mistake named with its key, its fix and its code, before anything listens', () => {
  let dir: string;
  const taken: Server[] = [];
  let takenAddress: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-mistakes-'));
    await chmod(dir, 0o755);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'open_key')]);
    await chmod(join(dir, 'open_key'), 0o644);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', join(dir, 'encrypted_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'good_key')]);
    // A directory no one may write in, without privileges: its mode says so.
    await mkdir(join(dir, 'read-only'), { mode: 0o555 });
    await chmod(join(dir, 'read-only'), 0o555);
    // Two certificates, each with its own key: the endpoint given one's certificate and the other's key.
    for (const name of ['one', 'two']) {
      await makeSelfSignedCertificate('127.0.0.1', join(dir, `${name}.crt`), join(dir, `${name}.key`));
      await chmod(join(dir, `${name}.key`), 0o644);
    }
    // A state directory where a start as another user left a lock this one may not write.
    await mkdir(join(dir, 'left-behind'), { mode: 0o755 });
    await writeFile(join(dir, 'left-behind/agent.lock'), '', { mode: 0o444 });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    taken.push(server);
    takenAddress = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const server of taken) server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const mistakes: Array<[string, Mistake]> = [
    [
      'the SSH key is missing',
      {
        commands: ['check', 'run', 'drill'],
        config: (d) => keyAt(d, 'no_key'),
        key: 'ssh.privateKeyPath',
        code: 'DYNSLICE_SSH_KEY_MISSING',
        fix: () => 'node.installRootKeys(True, True)',
      },
    ],
    [
      'the SSH key has a passphrase',
      {
        commands: ['check', 'run'],
        config: (d) => keyAt(d, 'encrypted_key'),
        key: 'ssh.privateKeyPath',
        code: 'DYNSLICE_SSH_KEY_ENCRYPTED',
        fix: (d) => `ssh-keygen -p -N "" -f ${join(d, 'encrypted_key')}`,
      },
    ],
    [
      'the SSH key is readable by others',
      {
        commands: ['check', 'run'],
        config: (d) => keyAt(d, 'open_key'),
        key: 'ssh.privateKeyPath',
        code: 'DYNSLICE_SSH_KEY_OPEN',
        fix: (d) => `chmod 600 ${join(d, 'open_key')}`,
      },
    ],
    [
      'host keys are checked against a missing known_hosts',
      {
        commands: ['check', 'run'],
        config: (d) =>
          `${NODE}ssh: { privateKeyPath: ${join(d, 'good_key')}, knownHostsPath: ${join(d, 'none')} }\n` +
          `state: { dir: ${join(d, 'state')} }\n`,
        key: 'ssh.knownHostsPath',
        code: 'DYNSLICE_KNOWN_HOSTS_MISSING',
        fix: (d) => `ssh-keyscan -p PORT HOST >> ${join(d, 'none')}`,
      },
    ],
    [
      'the state directory cannot be created',
      {
        commands: ['check', 'run'],
        config: (d) => `${NO_NODES}state: { dir: ${join(d, 'read-only/agent/state')} }\n`,
        key: 'state.dir',
        code: 'DYNSLICE_STATE_DIR_NOT_WRITABLE',
        fix: (d) => `chown -R dynslice: ${join(d, 'read-only/agent/state')}`,
      },
    ],
    [
      'the state directory cannot be written',
      {
        commands: ['check', 'run'],
        config: (d) => `${NO_NODES}state: { dir: ${join(d, 'read-only')} }\n`,
        key: 'state.dir',
        code: 'DYNSLICE_STATE_DIR_NOT_WRITABLE',
        fix: (d) => `chown -R dynslice: ${join(d, 'read-only')}`,
      },
    ],
    [
      'the state directory holds a lock another user left',
      {
        commands: ['check', 'run'],
        config: (d) => `${NO_NODES}state: { dir: ${join(d, 'left-behind')} }\n`,
        key: 'state.dir',
        code: 'DYNSLICE_STATE_DIR_NOT_WRITABLE',
        fix: (d) => `chown -R dynslice: ${join(d, 'left-behind')}`,
      },
    ],
    [
      "the endpoint's TLS key is not its certificate's",
      {
        commands: ['check', 'run'],
        config: (d) =>
          `${NO_NODES}endpoint: { listen: "127.0.0.1:0", tls: { cert: ${join(d, 'one.crt')}, key: ${join(d, 'two.key')} } }\n` +
          `state: { dir: ${join(d, 'state')} }\n`,
        key: 'endpoint.tls.key',
        code: 'DYNSLICE_TLS_MISMATCH',
        fix: () => 'openssl pkey -pubout -in KEY',
      },
    ],
    [
      'the manifest command is not there (not a CloudLab node)',
      {
        commands: ['check', 'run'],
        config: (d) =>
          `nodes: { manifest: { command: "no-such-geni-get manifest" } }\nstate: { dir: ${join(d, 'state')} }\n`,
        key: 'nodes.manifest',
        code: 'DYNSLICE_MANIFEST_UNREADABLE',
        fix: () => 'geni-get manifest > manifest.xml',
      },
    ],
    [
      'the endpoint port is taken',
      {
        commands: ['run'],
        config: (d) => `${NO_NODES}endpoint: { listen: "${takenAddress}" }\nstate: { dir: ${join(d, 'state')} }\n`,
        key: 'endpoint.listen',
        code: 'DYNSLICE_LISTEN_IN_USE',
        fix: () => 'choose another port',
      },
    ],
    [
      'the status port is taken',
      {
        commands: ['run'],
        config: (d) =>
          `${NO_NODES}endpoint: { listen: "127.0.0.1:0" }\nstatus: { listen: "${takenAddress}" }\n` +
          `state: { dir: ${join(d, 'state')} }\n`,
        key: 'status.listen',
        code: 'DYNSLICE_LISTEN_IN_USE',
        fix: () => 'choose another port',
      },
    ],
    [
      'an unknown key',
      {
        commands: ['check', 'run'],
        config: () => 'ssh:\n  hostkeychecking: no\n',
        key: 'ssh.hostkeychecking',
        code: 'DYNSLICE_CONFIG_UNKNOWN_KEY',
        fix: () => 'use the key it suggests',
      },
    ],
  ];

  async function expectNamed(name: string, mistake: Mistake): Promise<void> {
    const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
    await writeFile(file, mistake.config(dir));
    await chmod(file, 0o644);
    for (const command of mistake.commands) {
      const result = asOperator([command, '-c', file]);
      expect({ command, status: result.status }).toEqual({ command, status: 2 });
      expect(result.stderr).toContain(`${mistake.key}: `);
      expect(result.stderr).toContain(`  fix: `);
      expect(result.stderr).toContain(mistake.fix(dir));
      expect(result.stderr).toContain(`(${mistake.code}, docs/troubleshooting.md)`);
      expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
      expect(result.stderr).not.toContain('endpoint listening');
    }
  }

  it.each(mistakes)('%s', (name, mistake) => expectNamed(name, mistake));

  // Where net.ipv4.ip_unprivileged_port_start lets anyone bind 1023, the mistake cannot happen.
  it.skipIf(!privilegedPortsExist)('a port below 1024 without the capability', () =>
    expectNamed('privileged port', {
      commands: ['run'],
      config: (d) => `${NO_NODES}endpoint: { listen: "127.0.0.1:1023" }\nstate: { dir: ${join(d, 'state')} }\n`,
      key: 'endpoint.listen',
      code: 'DYNSLICE_LISTEN_PRIVILEGED',
      fix: () => 'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    }),
  );

  it('a missing configuration names the command that writes one', () => {
    const file = join(dir, 'absent.yaml');
    for (const command of ['check', 'run']) {
      const result = asOperator([command, '-c', file]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${file}: cannot read the configuration: no such file`);
      expect(result.stderr).toContain(`fix: write one with dynslice-agent init -c ${file}`);
      expect(result.stderr).toContain('(DYNSLICE_CONFIG_MISSING, docs/troubleshooting.md)');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('init away from CloudLab, or with a manifest file that is not there, says how to give it one', () => {
    const missing = join(dir, 'no-manifest.xml');
    const result = asOperator(['init', '-c', join(dir, 'init.yaml'), '--manifest', missing]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`manifest: ${missing}: cannot read it`);
    expect(result.stderr).toContain('init --manifest FILE');
    expect(result.stderr).toContain('(DYNSLICE_MANIFEST_UNREADABLE, docs/troubleshooting.md)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown command suggests the nearest one', () => {
    const result = asOperator(['chek']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'chek'");
    expect(result.stderr).toContain('(Did you mean check?)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
