import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../helpers/capture-logger.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { freePort } from '../helpers/ssh-test-nodes.js';
import { targetOf } from '../helpers/sshd.js';

describe('node-ssh runner when nodes are down or connections die', () => {
  const ssh = useSshRunner(2, {
    // These tests look at single failures; retries have their own test below.
    runner: { connectTimeoutMs: 1_000, connectRetries: 0 },
  });

  /** A runner of its own that tries a refused connect 3 more times, 400 ms apart and doubling. */
  const retryingRunner = (logger: Logger) => ssh.ownRunner({ connectRetries: 3, connectBackoffMs: 400, logger });

  it('a closed port is unreachable at once', async () => {
    const target = { nodeId: 'down', host: '127.0.0.1', port: await freePort(), user: 'root' };
    const started = Date.now();
    const result = await ssh.runner.run(target, 'true', { timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: null, kind: 'unreachable', reason: 'refused' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a refused connect is retried with backoff, so a node back within the retries is reached', async () => {
    const node = ssh.sshd.nodes[1]!;
    const retrying = retryingRunner(captureLogger().logger);
    try {
      await ssh.sshd.stopNode(node.nodeId);
      const result = retrying.run(targetOf(node), 'echo back', { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 600));
      await ssh.sshd.startNode(node.nodeId);
      expect(await result).toMatchObject({ code: 0, stdout: 'back\n' });
      // The connection reached on a retry is the node's pooled one: the next command reuses it.
      expect(retrying.stats()).toEqual({ connects: 1, open: 1 });
      expect(await retrying.run(targetOf(node), 'echo again', { timeoutMs: 10_000 })).toMatchObject({
        code: 0,
        stdout: 'again\n',
      });
      expect(retrying.stats()).toEqual({ connects: 1, open: 1 });
    } finally {
      await retrying.close();
    }
  }, 20_000);

  it('a node released while its connect waits to retry is not tried again', async () => {
    const node = ssh.sshd.nodes[1]!;
    const { logger, lines } = captureLogger();
    const retrying = retryingRunner(logger);
    try {
      await ssh.sshd.stopNode(node.nodeId);
      const result = retrying.run(targetOf(node), 'true', { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 200)); // the first try refused; the retry waits 400 ms
      retrying.release(node.nodeId);
      const released = Date.now();
      await ssh.sshd.startNode(node.nodeId);
      expect(await result).toMatchObject({ kind: 'unreachable', reason: 'refused' });
      // Answered as the connection closes, not when the stop of the node's commands gives up (15 s).
      expect(Date.now() - released).toBeLessThan(10_000);
      expect(lines.filter((l) => l.msg === 'ssh connect failed')).toHaveLength(1);
      expect(retrying.stats()).toEqual({ connects: 0, open: 0 });
    } finally {
      await retrying.close();
    }
  }, 20_000);

  it('a port that never speaks SSH is unreachable after the connect timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const result = await ssh.runner.run({ nodeId: 'silent', host: '127.0.0.1', port, user: 'root' }, 'true', {
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({ code: null, kind: 'unreachable', reason: 'connect-timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 10_000);

  it('a connection cut mid-command fails that command, and the next command reconnects', async () => {
    const node = ssh.sshd.nodes[0]!;
    await ssh.runner.run(targetOf(node), 'true', { timeoutMs: 10_000 });
    const connects = ssh.runner.stats().connects;
    const { running } = await ssh.startSleeper(targetOf(node), { seconds: 120 });
    await ssh.sshd.dropConnections(node.nodeId);
    const result = await running;
    expect(result).toMatchObject({ code: null, kind: 'disconnected' });
    const next = await ssh.runner.run(targetOf(node), 'echo back', { timeoutMs: 10_000 });
    expect(next).toMatchObject({ code: 0, stdout: 'back\n' });
    expect(ssh.runner.stats().connects).toBe(connects + 1);
  }, 20_000);

  it('a node whose sshd stops is unreachable until it is restarted, then reconnects', async () => {
    const node = ssh.sshd.nodes[1]!;
    const { running } = await ssh.startSleeper(targetOf(node), { seconds: 120 });
    await ssh.sshd.stopNode(node.nodeId);
    expect(await running).toMatchObject({ code: null, kind: 'disconnected' });
    const whileDown = await ssh.runner.run(targetOf(node), 'true', { timeoutMs: 10_000 });
    expect(whileDown).toMatchObject({ kind: 'unreachable', reason: 'refused' });
    await ssh.sshd.startNode(node.nodeId);
    const after = await ssh.runner.run(targetOf(node), 'echo up', { timeoutMs: 10_000 });
    expect(after).toMatchObject({ code: 0, stdout: 'up\n' });
  }, 20_000);

  it('release() drops the connection so the next command opens a new one', async () => {
    const node = ssh.sshd.nodes[0]!;
    await ssh.runner.run(targetOf(node), 'true', { timeoutMs: 10_000 });
    const connects = ssh.runner.stats().connects;
    ssh.runner.release(node.nodeId);
    expect((await ssh.runner.run(targetOf(node), 'true', { timeoutMs: 10_000 })).code).toBe(0);
    expect(ssh.runner.stats().connects).toBe(connects + 1);
  }, 20_000);

  it('close() ends every connection and later runs fail without connecting', async () => {
    const own = ssh.ownRunner();
    await Promise.all(ssh.sshd.nodes.map((n) => own.run(targetOf(n), 'true', { timeoutMs: 10_000 })));
    expect(own.stats()).toEqual({ connects: 2, open: 2 });
    await own.close();
    expect(own.stats().open).toBe(0);
    expect(await own.run(targetOf(ssh.sshd.nodes[0]!), 'true', { timeoutMs: 10_000 })).toMatchObject({
      kind: 'disconnected',
    });
    expect(own.stats().connects).toBe(2);
  }, 20_000);
});
