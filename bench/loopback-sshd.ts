import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, loginUser, waitForPort } from '../test/helpers/ssh-test-nodes.js';

export interface LoopbackSshd {
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  /** Where the sessions may write (their stamps). */
  workDir: string;
  stop(): Promise<void>;
}

/**
 * One OpenSSH sshd on 127.0.0.1 standing for every node of the fan-out. Its sessions get an empty
 * HOME: the login shell (bash, run by sshd) would otherwise source this machine's ~/.bashrc, whose
 * `pyenv init` costs each session hundreds of ms and serializes on a lock — a cost of this machine,
 * not of the agent or pdsh. Bursts of 300 connections are let through (MaxStartups).
 */
export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-bench-sshd-'));
  const home = join(dir, 'home');
  const workDir = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(workDir);
  mkdirSync('/run/sshd', { recursive: true });
  const keygen = (path: string): void =>
    void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path], { stdio: 'ignore' });
  const privateKeyPath = join(dir, 'client_ed25519');
  keygen(privateKeyPath);
  keygen(join(dir, 'host_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${privateKeyPath}.pub`));
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'MaxStartups 300:30:600',
      'MaxSessions 100',
      'PrintMotd no',
      'PrintLastLog no',
      `SetEnv HOME=${home}`,
      '',
    ].join('\n'),
  );
  const knownHostsPath = join(dir, 'known_hosts');
  const hostKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`);

  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let exited: string | undefined;
  sshd.stderr.setEncoding('utf8').on('data', (text: string) => (log = (log + text).slice(-4096)));
  sshd.once('exit', (code) => (exited = `sshd exited (${code}): ${log}`));
  await waitForPort(port, 10_000, () => exited);
  return {
    port,
    user: loginUser(),
    privateKeyPath,
    knownHostsPath,
    workDir,
    async stop() {
      if (exited === undefined) {
        const gone = once(sshd, 'exit');
        sshd.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
