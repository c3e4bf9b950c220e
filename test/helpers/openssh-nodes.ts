import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  loginUser,
  nodeIdentity,
  type SshTestNode,
  type SshTestNodes,
  waitForPort,
} from './ssh-test-nodes.js';

export const SSHD_PATH = '/usr/sbin/sshd';
const STARTUP_MS = 5_000;

interface RunningNode {
  node: SshTestNode;
  configPath: string;
  sshdPath: string;
  hostPublicKey: string;
  process?: ChildProcess;
  log: string;
}

/** Every sshd (and scratch dir) this test process made, removed on exit even if a test forgets stop(). */
const live = new Set<ChildProcess>();
const scratchDirs = new Set<string>();
process.once('exit', () => {
  for (const child of live) {
    // A listener's death leaves its sessions running: kill them first (sync calls are fine in 'exit').
    if (child.pid !== undefined) killSessionsOf(child.pid);
    child.kill('SIGKILL');
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

export interface OpenSshNodesOptions {
  sshdPath?: string;
  /** More sshd_config lines for every node, e.g. `SetEnv PATH=…` to give sessions another PATH. */
  extraConfig?: string[];
}

export async function startOpenSshNodes(count: number, options: OpenSshNodesOptions = {}): Promise<SshTestNodes> {
  const { sshdPath = SSHD_PATH, extraConfig = [] } = options;
  const baseDir = mkdtempSync(join(tmpdir(), 'dynslice-sshd-'));
  scratchDirs.add(baseDir);
  const running: RunningNode[] = [];
  try {
    mkdirSync('/run/sshd', { recursive: true });
  } catch {
    // Only root needs the privilege separation directory.
  }
  const privateKeyPath = join(baseDir, 'client_ed25519');
  keygen(privateKeyPath, 'dynslice-test-client');
  const authorizedKeys = join(baseDir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`));
  const find = (id: string): RunningNode => byId(running, id);
  try {
    for (let i = 0; i < count; i += 1) {
      const dir = join(baseDir, `node${i}`);
      const workDir = join(dir, 'work');
      mkdirSync(workDir, { recursive: true });
      keygen(join(dir, 'host_ed25519'), `dynslice-test-host-${i}`);
      const node: SshTestNode = { ...nodeIdentity(i), host: '127.0.0.1', port: 0, user: loginUser(), workDir };
      const hostPublicKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      const r: RunningNode = { node, configPath: join(dir, 'sshd_config'), sshdPath, hostPublicKey, log: '' };
      running.push(r);
      await startWithFreePort(r, dir, authorizedKeys, extraConfig);
    }
  } catch (err) {
    await stopAll(running);
    rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
  const knownHostsPath = join(baseDir, 'known_hosts');
  writeFileSync(knownHostsPath, running.map((r) => `[127.0.0.1]:${r.node.port} ${r.hostPublicKey}\n`).join(''));

  return {
    kind: 'openssh',
    nodes: running.map((r) => r.node),
    privateKeyPath,
    knownHostsPath,
    baseDir,
    hostPublicKey: (id) => find(id).hostPublicKey,
    logins: (id) => find(id).log.match(/Accepted publickey for /g)?.length ?? 0,
    dropConnections: async (id) => killSessions(find(id)),
    stopNode: async (id) => stopNode(find(id)),
    startNode: async (id) => startSshd(find(id)),
    stop: async () => {
      await stopAll(running);
      rmSync(baseDir, { recursive: true, force: true });
      scratchDirs.delete(baseDir);
    },
  };
}

function keygen(path: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: 'ignore' });
}

/** A port found free can be taken before sshd binds it: retry with another. */
async function startWithFreePort(
  r: RunningNode,
  dir: string,
  authorizedKeys: string,
  extraConfig: string[],
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    r.node.port = await freePort();
    writeFileSync(r.configPath, sshdConfig(dir, r.node.port, authorizedKeys, extraConfig));
    try {
      return await startSshd(r);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(r.log)) throw err;
    }
  }
}

/**
 * Sessions get a fresh, empty home (as a new node's account has): this machine's own ~/.bashrc,
 * which bash reads for every command sshd runs, would otherwise add seconds to each command (it
 * starts a Python version manager that rehashes under a lock). SetEnv lines are merged into one.
 */
function sshdConfig(dir: string, port: number, authorizedKeys: string, extraConfig: string[]): string {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const setEnv = extraConfig.filter((line) => /^SetEnv\s/i.test(line)).map((line) => line.replace(/^SetEnv\s+/i, ''));
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'MaxStartups 200:30:300',
    'MaxSessions 100',
    'PrintMotd no',
    `SetEnv HOME=${home} ${setEnv.join(' ')}`.trimEnd(),
    ...extraConfig.filter((line) => !/^SetEnv\s/i.test(line)),
    '',
  ].join('\n');
}

async function startSshd(r: RunningNode): Promise<void> {
  const child = spawn(r.sshdPath, ['-D', '-e', '-f', r.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  r.process = child;
  live.add(child);
  const logStart = r.log.length;
  let exited: string | undefined;
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (r.log += text));
  child.once('exit', (code, signal) => {
    live.delete(child);
    exited = `sshd exited (${code ?? signal}): ${r.log.trim().split('\n').slice(-3).join(' | ')}`;
  });
  // The log line proves it is our sshd on the port, not whoever grabbed it after freePort().
  const listening = `Server listening on 127.0.0.1 port ${r.node.port}`;
  await waitFor(() => exited !== undefined || r.log.includes(listening, logStart), STARTUP_MS)
    .then(() => waitForPort(r.node.port, STARTUP_MS, () => exited))
    .catch((err: Error) => {
      child.kill('SIGKILL');
      throw err;
    });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`sshd did not report listening within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The listener forks one sshd per connection; killing those cuts the connections. */
function killSessions(r: RunningNode): void {
  if (r.process?.pid !== undefined) killSessionsOf(r.process.pid);
}

function killSessionsOf(pid: number): void {
  for (const child of childPids(pid)) {
    for (const grandchild of childPids(child)) if (commOf(grandchild).startsWith('sshd')) kill(grandchild);
    kill(child);
  }
}

async function stopNode(r: RunningNode): Promise<void> {
  const child = r.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  killSessions(r);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

async function stopAll(running: RunningNode[]): Promise<void> {
  await Promise.all(running.map((r) => stopNode(r)));
}

function byId(running: RunningNode[], nodeId: string): RunningNode {
  const r = running.find((x) => x.node.nodeId === nodeId);
  if (!r) throw new Error(`no test node ${nodeId}`);
  return r;
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
