import { describe, expect, it } from 'vitest';
import { COMMAND_HOPS, type CommandHop } from '../../src/ssh/command-hops.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { targetOf } from '../helpers/sshd.js';

describe('the hops of a command on a real sshd', () => {
  const seen: Array<{ nodeId: string; hop: CommandHop; at: number }> = [];
  const ssh = useSshRunner(1, { runner: { onHop: (nodeId, hop, at) => void seen.push({ nodeId, hop, at }) } });

  it('reports each hop once, in order, before the command ends, with times that do not go back', async () => {
    const node = ssh.sshd.nodes[0]!;
    seen.length = 0;
    const before = performance.timeOrigin + performance.now();
    const result = await ssh.runner.run(targetOf(node), 'echo out', { timeoutMs: 10_000 });
    const after = performance.timeOrigin + performance.now();
    expect(result).toMatchObject({ kind: 'exited', code: 0, stdout: 'out\n' });
    expect(seen.map((s) => s.hop)).toEqual(COMMAND_HOPS);
    expect(new Set(seen.map((s) => s.nodeId))).toEqual(new Set([node.nodeId]));
    const times = seen.map((s) => s.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times.at(-1)).toBeLessThanOrEqual(after);
  }, 20_000);

  it('reports no `ran` hop when the wrapper fails before the command', async () => {
    const node = ssh.sshd.nodes[0]!;
    seen.length = 0;
    // `env` then finds no `timeout`: the wrapper fails on the node and the command never starts.
    const result = await ssh.runner.run(targetOf(node), 'echo never', {
      timeoutMs: 10_000,
      env: { PATH: '/nonexistent' },
    });
    expect(result.kind).toBe('notRun');
    expect(seen.map((s) => s.hop)).not.toContain('ran');
  }, 20_000);
});
