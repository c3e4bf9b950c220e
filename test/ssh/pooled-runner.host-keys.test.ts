import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostKeyChecking } from '../../src/ssh/host-key-policy.js';
import { createNodeSshRunner, type NodeSshRunner } from '../../src/ssh/pooled-runner.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type SshTestNodes, startSshNodes, targetOf } from '../helpers/sshd.js';

describe('node-ssh runner host key checking and client authentication', () => {
  let sshd: SshTestNodes;
  let dir: string;
  const runners: NodeSshRunner[] = [];

  beforeAll(async () => {
    sshd = await startSshNodes(2);
    dir = mkdtempSync(join(tmpdir(), 'dynslice-hostkeys-'));
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function runnerWith(
    knownHostsPath: string,
    hostKeyChecking: HostKeyChecking,
    extra: { privateKeyPath?: string } = {},
  ) {
    const log = captureLogger();
    const runner = createNodeSshRunner({
      privateKeyPath: sshd.privateKeyPath,
      knownHostsPath,
      hostKeyChecking,
      logger: log.logger,
      ...extra,
    });
    runners.push(runner);
    return { runner, lines: log.lines };
  }

  function knownHosts(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  const node = (i: number) => sshd.nodes[i]!;
  const echo = (runner: NodeSshRunner, i: number) => runner.run(targetOf(node(i)), 'echo ok', { timeoutMs: 10_000 });

  it("'yes' connects when known_hosts holds the node's key", async () => {
    const { runner } = runnerWith(sshd.knownHostsPath, 'yes');
    expect(await echo(runner, 0)).toMatchObject({ code: 0, stdout: 'ok\n' });
  }, 20_000);

  it("'yes' refuses a host missing from known_hosts", async () => {
    const { runner } = runnerWith(join(dir, 'absent', 'known_hosts'), 'yes');
    expect(await echo(runner, 0)).toMatchObject({ code: null, kind: 'unreachable', reason: 'host-key-unknown' });
  }, 20_000);

  it('refuses a node whose key differs from known_hosts and says it is a mismatch', async () => {
    const path = knownHosts('swapped', `[127.0.0.1]:${node(0).port} ${sshd.hostPublicKey(node(1).nodeId)}\n`);
    for (const mode of ['yes', 'accept-new'] as const) {
      const { runner } = runnerWith(path, mode);
      const result = await echo(runner, 0);
      expect(result).toMatchObject({ code: null, kind: 'unreachable', reason: 'host-key-mismatch' });
      expect(result).toMatchObject({ detail: expect.stringMatching(/host key mismatch/) });
    }
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  }, 20_000);

  it('treats a revoked key as a mismatch even when it is also listed as trusted', async () => {
    const key = sshd.hostPublicKey(node(0).nodeId);
    const path = knownHosts('revoked', `[127.0.0.1]:${node(0).port} ${key}\n@revoked * ${key}\n`);
    const { runner } = runnerWith(path, 'yes');
    expect(await echo(runner, 0)).toMatchObject({ kind: 'unreachable', reason: 'host-key-mismatch' });
  }, 20_000);

  it('accepts a hashed known_hosts entry written by ssh-keygen -H', async () => {
    const path = knownHosts('hashed', readFileSync(sshd.knownHostsPath, 'utf8'));
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
    expect(readFileSync(path, 'utf8')).toMatch(/^\|1\|/);
    const { runner } = runnerWith(path, 'yes');
    expect(await echo(runner, 1)).toMatchObject({ code: 0 });
  }, 20_000);

  it("'accept-new' records an unknown key in a new 0600 file, after which 'yes' accepts it", async () => {
    const path = join(dir, 'fresh', '.ssh', 'known_hosts');
    const { runner } = runnerWith(path, 'accept-new');
    expect(await echo(runner, 1)).toMatchObject({ code: 0 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`[127.0.0.1]:${node(1).port} ${sshd.hostPublicKey(node(1).nodeId)}\n`);
    const strict = runnerWith(path, 'yes').runner;
    expect(await echo(strict, 1)).toMatchObject({ code: 0 });
  }, 20_000);

  it("'no' accepts any key and warns once", async () => {
    const path = knownHosts('wrong-for-all', `* ${sshd.hostPublicKey(node(0).nodeId)}\n`);
    const { runner, lines } = runnerWith(path, 'no');
    expect(await echo(runner, 0)).toMatchObject({ code: 0 });
    expect(await echo(runner, 1)).toMatchObject({ code: 0 });
    expect(lines.filter((l) => l.msg === 'host key checking disabled')).toHaveLength(1);
  }, 20_000);

  it('a client key the node does not authorize leaves the node unreachable', async () => {
    const otherKey = join(dir, 'stranger_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey], { stdio: 'ignore' });
    const { runner } = runnerWith(sshd.knownHostsPath, 'yes', { privateKeyPath: otherKey });
    expect(await echo(runner, 0)).toMatchObject({ code: null, kind: 'unreachable', reason: 'auth-failed' });
  }, 20_000);

  it('a missing private key file is a configuration failure, not a crash', async () => {
    const { runner } = runnerWith(sshd.knownHostsPath, 'yes', { privateKeyPath: join(dir, 'no-such-key') });
    expect(await echo(runner, 0)).toMatchObject({ code: null, kind: 'unreachable', reason: 'config' });
  }, 20_000);
});
