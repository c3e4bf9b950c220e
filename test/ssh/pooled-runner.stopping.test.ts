import { describe, expect, it } from 'vitest';
import { waitForPids } from '../helpers/local-processes.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { targetOf } from '../helpers/sshd.js';

describe('node-ssh runner stopping remote commands', () => {
  const ssh = useSshRunner(1);

  it('abort kills the remote command and the processes it started', async () => {
    const duration = ssh.sleeper(300);
    const controller = new AbortController();
    const running = ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), `echo started; sleep ${duration} & wait`, {
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    expect(await waitForPids(`sleep ${duration}`, true, 15_000, true)).toBe(true);
    const abortedAt = Date.now();
    controller.abort();
    const result = await running;
    const resolvedMs = Date.now() - abortedAt;
    expect(result).toMatchObject({ code: null, kind: 'aborted', stdout: 'started\n' });
    expect(result).toMatchObject({ detail: expect.stringMatching(/sent TERM to remote pid \d+/) });
    expect(resolvedMs).toBeLessThan(7_000); // pid wait (2 s) + kill wait (5 s) at worst; ~0.3 s idle
    expect(await waitForPids(duration, false, 10_000)).toBe(true);
  }, 20_000);

  it('a command past its timeout is killed remotely and reported as a timeout with exit 124', async () => {
    const duration = ssh.sleeper(30);
    const started = Date.now();
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), `sleep ${duration}`, { timeoutMs: 1_000 });
    expect(result).toMatchObject({ code: 124, kind: 'timedOut' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await waitForPids(duration, false, 10_000)).toBe(true);
  }, 20_000);

  it('a command that ignores TERM is killed 5 s later and reported as a timeout with exit 137', async () => {
    const duration = ssh.sleeper(30);
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), `trap "" TERM; sleep ${duration}`, {
      timeoutMs: 1_000,
    });
    expect(result).toMatchObject({ code: 137, kind: 'timedOut' });
    expect(await waitForPids(duration, false, 10_000)).toBe(true);
  }, 20_000);

  it('a command killed by a signal before its deadline reports 128+n, not a timeout', async () => {
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), 'kill -KILL $$', { timeoutMs: 10_000 });
    expect(result).toMatchObject({ kind: 'exited', code: 137 });
  }, 20_000);

  it('the client gives up 7 s after the remote deadline when the remote side never answers', async () => {
    const duration = ssh.sleeper(30);
    const started = Date.now();
    // Stopping the remote `timeout` process freezes its own deadline: only the client timer is left.
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), `kill -STOP $PPID; sleep ${duration}`, {
      timeoutMs: 1_000,
    });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ code: null, kind: 'timedOut' });
    expect(elapsed).toBeGreaterThanOrEqual(8_000);
    // 8 s deadline, then the kill (at most 5 s) and the wait for the channel to close (1 s).
    expect(elapsed).toBeLessThan(15_000);
    const after = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), 'echo still usable', { timeoutMs: 5_000 });
    expect(after.stdout).toBe('still usable\n');
  }, 30_000);
});
