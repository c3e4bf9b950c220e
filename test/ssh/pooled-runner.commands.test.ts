import { describe, expect, it } from 'vitest';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { targetOf } from '../helpers/sshd.js';

describe('node-ssh runner running commands on a real sshd', () => {
  const ssh = useSshRunner(2, { runner: { outputHeadBytes: 1024, outputTailBytes: 512 } });

  it('returns the exit code, stdout and stderr of a command', async () => {
    const [node] = ssh.sshd.nodes;
    const result = await ssh.runner.run(targetOf(node!), 'echo out; echo err >&2; exit 0', { timeoutMs: 10_000 });
    expect(result).toEqual({ kind: 'exited', code: 0, stdout: 'out\n', stderr: 'err\n' });
  }, 20_000);

  it('reports a non-zero exit as a code, not as a failure', async () => {
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), 'echo partial; echo broken >&2; exit 3', {
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ kind: 'exited', code: 3 });
    expect(result.stdout).toBe('partial\n');
    expect(result.stderr).toBe('broken\n');
  }, 20_000);

  it('delivers hostile env values byte for byte without executing them', async () => {
    const node = ssh.sshd.nodes[0]!;
    const canary = `${node.workDir}/pwned`;
    const env = {
      QUOTES: `it's "quoted" \\ back'slash'`,
      SUBST: `$(touch ${canary}) \`touch ${canary}\` $HOME`,
      NEWLINES: `line one\nline two\n; touch ${canary}`,
      SEMI: `; touch ${canary}; echo`,
      EMPTY: '',
    };
    const result = await ssh.runner.run(
      targetOf(node),
      `for v in QUOTES SUBST NEWLINES SEMI EMPTY; do printenv "$v"; echo "<end>"; done; test ! -e ${canary}`,
      {
        timeoutMs: 10_000,
        env,
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      Object.values(env)
        .map((v) => `${v}\n<end>\n`)
        .join(''),
    );
  }, 20_000);

  it('refuses an env name that is not a shell identifier without connecting', async () => {
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), 'true', {
      timeoutMs: 10_000,
      env: { 'A;B': 'x' },
    });
    expect(result).toMatchObject({ code: null, kind: 'unreachable', reason: 'config' });
  });

  it('reuses one connection per node across commands', async () => {
    const node = ssh.sshd.nodes[1]!;
    const before = ssh.sshd.logins(node.nodeId);
    const first = await ssh.runner.run(targetOf(node), 'echo one', { timeoutMs: 10_000 });
    const second = await ssh.runner.run(targetOf(node), 'echo two', { timeoutMs: 10_000 });
    expect([first.stdout, second.stdout]).toEqual(['one\n', 'two\n']);
    await waitUntil(() => ssh.sshd.logins(node.nodeId) > before);
    expect(ssh.sshd.logins(node.nodeId) - before).toBe(1);
  }, 20_000);

  it('shares one connect between concurrent first calls to a node', async () => {
    const node = ssh.sshd.nodes[1]!;
    ssh.runner.release(node.nodeId);
    const before = ssh.runner.stats().connects;
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => ssh.runner.run(targetOf(node), `echo ${i}`, { timeoutMs: 10_000 })),
    );
    expect(results.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n', '5\n']);
    expect(ssh.runner.stats().connects - before).toBe(1);
  }, 20_000);

  it('keeps the head and the tail of each stream and says how much it dropped between them', async () => {
    const command =
      'head -c 5000 /dev/zero | tr "\\0" a; echo end; head -c 3000 /dev/zero | tr "\\0" b >&2; echo END >&2';
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), command, { timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${'a'.repeat(1024)}\n[dynslice: output truncated, ${5004 - 1536} bytes dropped]\n${'a'.repeat(508)}end\n`,
    );
    expect(result.stderr).toBe(
      `${'b'.repeat(1024)}\n[dynslice: output truncated, ${3004 - 1536} bytes dropped]\n${'b'.repeat(508)}END\n`,
    );
    expect(result.truncated).toEqual({ stdout: 5004 - 1536, stderr: 3004 - 1536 });
  }, 20_000);

  it("reads output past what it keeps at its pace, so the node's writer waits; unpaced, it reads it all", async () => {
    const target = targetOf(ssh.sshd.nodes[0]!);
    const command = 'head -c 20000000 /dev/zero; echo done';
    const paced = await ssh.runner.run(target, command, { timeoutMs: 3_000 }); // the default: 1 MiB/s
    expect(paced).toMatchObject({ code: 124, kind: 'timedOut' });
    expect(paced.truncated!.stdout).toBeLessThan(10_000_000);
    const unpacedRunner = ssh.ownRunner({ unkeptBytesPerSecond: Infinity, outputHeadBytes: 16, outputTailBytes: 16 });
    try {
      const unpaced = await unpacedRunner.run(target, command, { timeoutMs: 20_000 });
      expect(unpaced).toMatchObject({ code: 0, truncated: { stdout: 20_000_005 - 32, stderr: 0 } });
      expect(unpaced.stdout.endsWith(`${'\0'.repeat(11)}done\n`)).toBe(true);
    } finally {
      await unpacedRunner.close();
    }
  }, 40_000);

  it('answers an already aborted signal at once, without connecting', async () => {
    const before = ssh.runner.stats().connects;
    const started = Date.now();
    const result = await ssh.runner.run({ ...targetOf(ssh.sshd.nodes[0]!), nodeId: 'never-connected' }, 'true', {
      timeoutMs: 10_000,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ code: null, kind: 'aborted' });
    // Far below a connect attempt (10 s timeout); a loaded machine may still take a scheduler slice or two.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ssh.runner.stats().connects).toBe(before);
  });
});

async function waitUntil(condition: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
