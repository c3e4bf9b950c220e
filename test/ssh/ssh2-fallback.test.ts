import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForPids } from '../helpers/local-processes.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { startSshNodes, targetOf } from '../helpers/sshd.js';

describe('node-ssh runner against the in-process ssh2 fallback server', () => {
  const ssh = useSshRunner(1, { sshd: { forceFallback: true } });

  it('is the fallback kind', () => {
    expect(ssh.sshd.kind).toBe('ssh2');
  });

  it('runs a command with env and returns exit code, stdout and stderr', async () => {
    const env = { HOSTILE: `it's $(echo no) \`echo no\`\n; echo no` };
    const result = await ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), 'printenv HOSTILE; echo err >&2; exit 4', {
      timeoutMs: 10_000,
      env,
    });
    expect(result).toEqual({ kind: 'exited', code: 4, stdout: `${env.HOSTILE}\n`, stderr: 'err\n' });
    expect(ssh.sshd.logins(ssh.sshd.nodes[0]!.nodeId)).toBe(1);
  }, 20_000);

  it('abort kills the command it started', async () => {
    const duration = ssh.sleeper(300);
    const controller = new AbortController();
    const running = ssh.runner.run(targetOf(ssh.sshd.nodes[0]!), `sleep ${duration}`, {
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    expect(await waitForPids(`sleep ${duration}`, true, 15_000, true)).toBe(true);
    controller.abort();
    expect(await running).toMatchObject({ code: null, kind: 'aborted' });
    expect(await waitForPids(duration, false, 10_000)).toBe(true);
  }, 20_000);

  it('a connection reset mid-command fails the command without crashing, and the next one reconnects', async () => {
    const node = ssh.sshd.nodes[0]!;
    const duration = ssh.sleeper(300);
    const running = ssh.runner.run(targetOf(node), `sleep ${duration}`, { timeoutMs: 60_000 });
    expect(await waitForPids(`sleep ${duration}`, true, 15_000, true)).toBe(true);
    await ssh.sshd.dropConnections(node.nodeId);
    expect(await running).toMatchObject({ code: null, kind: 'disconnected' });
    // The reset usually makes ssh2 emit 'error' on the ready client; unhandled, vitest would fail the run.
    expect(await ssh.runner.run(targetOf(node), 'echo again', { timeoutMs: 10_000 })).toMatchObject({
      code: 0,
      stdout: 'again\n',
    });
  }, 20_000);
});

describe('choosing the SSH test server', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('falls back to ssh2 with a notice when sshd is missing', async () => {
    vi.stubEnv('DYNSLICE_REQUIRE_SSHD', '');
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const nodes = await startSshNodes(1, { sshdPath: '/nonexistent/sshd' });
    try {
      expect(nodes.kind).toBe('ssh2');
    } finally {
      await nodes.stop();
    }
  });

  it('throws instead when DYNSLICE_REQUIRE_SSHD=1', async () => {
    vi.stubEnv('DYNSLICE_REQUIRE_SSHD', '1');
    await expect(startSshNodes(1, { sshdPath: '/nonexistent/sshd' })).rejects.toThrow(/DYNSLICE_REQUIRE_SSHD/);
  });
});
