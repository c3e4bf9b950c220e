import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_UNIT_PATHS } from '../../src/deploy/service-unit.js';
import { BIN, runCli } from '../helpers/cli-process.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/systemd/dynslice-agent.service');

/** Why systemd-analyze cannot run here, or null (a missing one fails under DYNSLICE_REQUIRE_SYSTEMD=1). */
function systemdAnalyzeMissing(): string | null {
  const found = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
  if (found || process.env.DYNSLICE_REQUIRE_SYSTEMD === '1') return null;
  return 'systemd-analyze not installed: the unit is not verified (apt-get install -y systemd; DYNSLICE_REQUIRE_SYSTEMD=1 makes this a failure)';
}

/** `systemd-analyze verify` on a unit: its exit status and what it said about the file. */
function verify(dir: string, unit: string): { status: number | null; said: string } {
  const result = spawnSync('systemd-analyze', ['verify', unit], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  // It also speaks of the host's own units; only lines about ours count.
  const said = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.includes('dynslice-agent'))
    .join('\n');
  return { status: result.status, said };
}

describe('dynslice-agent service --print', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-unit-'));
    // A configuration as the service runs it: its state where the unit lets it write.
    await writeFile(
      join(dir, 'agent.yaml'),
      'state: { dir: /var/lib/dynslice-agent }\nssh: { privateKeyPath: /var/lib/dynslice-agent/ssh_key }\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints exactly the example unit for the example paths (the configuration read from where it is)', async () => {
    const config = join(dir, 'agent.yaml');
    const printed = await runCli([
      'service',
      '--print',
      '-c',
      config,
      '--node',
      EXAMPLE_UNIT_PATHS.node,
      '--bin',
      EXAMPLE_UNIT_PATHS.bin,
    ]);
    // Where the example's account was not made yet, that is the one warning.
    const accountMade = spawnSync('id', ['-u', EXAMPLE_UNIT_PATHS.user]).status === 0;
    expect(printed.stderr).toBe(
      accountMade
        ? ''
        : `warning: --user dynslice: no such account: make it first (useradd --system --no-create-home --shell /usr/sbin/nologin dynslice)\n`,
    );
    expect(printed.code).toBe(0);
    expect(printed.stdout.replace(config, EXAMPLE_UNIT_PATHS.config)).toBe(await readFile(EXAMPLE, 'utf8'));
  });

  it("warns about what the unit's account could not read or write, outside its StateDirectory", async () => {
    // Everything here lets others pass (0755) except what each case changes.
    const place = await mkdtemp(join(tmpdir(), 'dynslice-account-'));
    await chmod(place, 0o755);
    const key = join(place, 'ssh_key');
    await writeFile(key, 'not judged here\n', { mode: 0o600 });
    await mkdir(join(place, 'locked'), { mode: 0o700 });
    await writeFile(join(place, 'locked/endpoint.token'), 'x\n', { mode: 0o644 });
    const config = join(place, 'agent.yaml');
    await writeFile(
      config,
      `state: { dir: ${join(place, 'state')} }\nssh: { privateKeyPath: ${key} }\n` +
        `endpoint: { tokenFile: ${join(place, 'locked/endpoint.token')} }\n`,
    );
    await chmod(config, 0o644);
    try {
      const warned = await runCli(['service', '--print', '-c', config, '--user', 'nobody']);
      expect(warned.code).toBe(0);
      const owner = process.getuid?.();
      expect(warned.stderr).toContain(
        `warning: ssh.privateKeyPath: ${key} is not readable by nobody (owner uid ${owner}, mode 600): chown nobody: ${key}`,
      );
      expect(warned.stderr).toContain(`warning: state.dir: ${place} is not writable by nobody`);
      expect(warned.stderr).toContain(`warning: endpoint.tokenFile: nobody cannot enter ${join(place, 'locked')}`);
      // Given to the account (by mode here: chown needs root), nothing is left to say about them.
      await chmod(key, 0o644);
      await chmod(join(place, 'locked'), 0o755);
      await mkdir(join(place, 'state'), { mode: 0o777 });
      await chmod(join(place, 'state'), 0o777);
      const quiet = await runCli(['service', '--print', '-c', config, '--user', 'nobody']);
      expect(quiet.stderr).not.toContain('nobody');
      const unknown = await runCli(['service', '--print', '-c', config, '--user', 'no-such-account']);
      expect(unknown.stderr).toContain('warning: --user no-such-account: no such account: make it first (useradd');
    } finally {
      await rm(place, { recursive: true, force: true });
    }
  });

  it('reads the configuration it runs: a missing one exits 2; what the sandbox forbids is warned about', async () => {
    const missing = await runCli(['service', '--print', '-c', join(dir, 'nowhere.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('write one with dynslice-agent init');
    const outside = join(dir, 'outside.yaml');
    await writeFile(outside, `state: { dir: ${join(dir, 'state')} }\nssh: { privateKeyPath: /root/.ssh/id_rsa }\n`);
    const warned = await runCli(['service', '--print', '-c', outside]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(`warning: state.dir ${join(dir, 'state')} lies outside /var/lib/dynslice-agent`);
    expect(warned.stderr).toContain('warning: ssh.privateKeyPath /root/.ssh/id_rsa is under /root');
    expect(warned.stdout).toContain('[Service]');
  });

  it('runs this install as a dedicated user, restarts on failure, reloads with SIGHUP, is hardened', async () => {
    const { stdout, code } = await runCli(['service', '--print', '-c', join(dir, 'agent.yaml')]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain(
      `ExecStart=${process.execPath} ${execFileSync('realpath', [BIN], { encoding: 'utf8' }).trim()} run -c ${join(dir, 'agent.yaml')}`,
    );
    for (const line of [
      'User=dynslice',
      'Restart=on-failure',
      'StateDirectory=dynslice-agent',
      'KillSignal=SIGTERM',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=read-only',
      'PrivateTmp=yes',
      'WantedBy=multi-user.target',
    ])
      expect(lines).toContain(line);
    // Longer than the agent takes to stop its commands on the nodes (15 s at most) and close.
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(stdout)?.[1])).toBeGreaterThanOrEqual(30);
  });

  it('refuses a relative node path or a bad account name with exit 2', async () => {
    const relative = await runCli(['service', '--print', '--node', 'node']);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('--node: node is not an absolute path');
    const user = await runCli(['service', '--print', '--user', 'Bad User']);
    expect(user.code).toBe(2);
    expect(user.stderr).toContain('--user');
    expect(`${relative.stderr}${user.stderr}`).not.toMatch(/\n\s+at /);
  });

  const missing = systemdAnalyzeMissing();
  it.skipIf(missing !== null)(
    `systemd-analyze verify accepts the unit of this install${missing ? ` (${missing})` : ''}`,
    async () => {
      const { stdout } = await runCli(['service', '--print', '-c', join(dir, 'agent.yaml')]);
      await writeFile(join(dir, 'dynslice-agent.service'), stdout);
      const result = verify(dir, 'dynslice-agent.service');
      expect(result.said).toBe('');
      expect(result.status).toBe(0);
      // The same check sees a broken unit: a bad directive value and a missing executable.
      const broken = stdout
        .replace('Restart=on-failure', 'Restart=sometimes')
        .replace(process.execPath, join(dir, 'no-such-node'));
      await writeFile(join(dir, 'dynslice-agent.service'), broken);
      const refused = verify(dir, 'dynslice-agent.service');
      expect(refused.said).toMatch(/restart specifier/i);
      expect(refused.status).not.toBe(0);
    },
  );
});
