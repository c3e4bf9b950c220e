import { describe, expect, it } from 'vitest';
import { waitForPids } from '../helpers/local-processes.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { targetOf } from '../helpers/sshd.js';

/** OpenSSH's sshd leaves a command running when its connection closes; an in-process server would hide that. */
describe('node-ssh runner releasing a node with a command still running on it', () => {
  const ssh = useSshRunner(2);

  it('a command aborted as its node is released is stopped on the node before the connection closes', async () => {
    expect(ssh.sshd.kind).toBe('openssh');
    const node = ssh.sshd.nodes[0]!;
    const controller = new AbortController();
    const { duration, running } = await ssh.startSleeper(targetOf(node), { signal: controller.signal });
    // The node is deleted: its drain is aborted and its connection released in the same turn.
    controller.abort();
    ssh.runner.release(node.nodeId);
    expect(await running).toMatchObject({ code: null, kind: 'aborted' });
    expect(await waitForPids(duration, false, 5_000)).toBe(true);
  }, 45_000);

  it('release alone stops a command that nobody aborted', async () => {
    const node = ssh.sshd.nodes[0]!;
    const { duration, running } = await ssh.startSleeper(targetOf(node));
    ssh.runner.release(node.nodeId);
    const result = await running;
    expect(result).toMatchObject({ code: null, kind: 'aborted' });
    expect(result).toMatchObject({ detail: expect.stringMatching(/^node released; sent TERM/) });
    expect(await waitForPids(duration, false, 5_000)).toBe(true);
  }, 45_000);

  it('a command for a node whose connection is closing runs once the old command is gone, on a new connection', async () => {
    const node = ssh.sshd.nodes[0]!;
    const { duration, running } = await ssh.startSleeper(targetOf(node));
    const connects = ssh.runner.stats().connects;
    ssh.runner.release(node.nodeId);
    const next = await ssh.runner.run(
      targetOf(node),
      `pgrep -f '^sleep ${duration}$' >/dev/null && echo still running || echo gone`,
      {
        timeoutMs: 10_000,
      },
    );
    expect(next).toMatchObject({ code: 0, stdout: 'gone\n' });
    expect(ssh.runner.stats().connects).toBe(connects + 1);
    expect(await running).toMatchObject({ kind: 'aborted' });
  }, 45_000);

  it('close stops the commands of every node before it closes their connections', async () => {
    const runner = ssh.ownRunner();
    const sleepers = await Promise.all(ssh.sshd.nodes.map((node) => ssh.startSleeper(targetOf(node), { runner })));
    await runner.close();
    for (const { duration } of sleepers) expect(await waitForPids(duration, false, 2_000)).toBe(true);
    for (const { running } of sleepers)
      expect(await running).toMatchObject({ kind: 'aborted', detail: expect.stringMatching(/^runner closed/) });
  }, 45_000);
});
