import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/agent-process.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
/** The CLI as a child that does not block this process (a server of the test must keep answering). */
const _runAsync = (args: string[]): Promise<{ status: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
const cliWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-cli-'));
  await writeFile(join(dir, 'agent.yaml'), text);
  return join(dir, 'agent.yaml');
}

describe('the CLI with a bad configuration', () => {
  it('check accepts the commented example and summarises the ladder, where its key and known_hosts exist', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dynslice-home-'));
    // Without them, the first-hour mistake: named before anything could listen.
    const keyless = cliWith({ HOME: home }, 'check', '-c', 'examples/agent.yaml');
    expect(keyless.status).toBe(2);
    expect(keyless.stderr).toContain(`ssh.privateKeyPath: ${home}/.ssh/id_ed25519: no such file`);
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh/id_ed25519')]);
    await writeFile(join(home, '.ssh/known_hosts'), '');
    const result = cliWith({ HOME: home }, 'check', '-c', 'examples/agent.yaml');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('graceful  kill (~2s) → flush-results (~10s)');
    expect(result.stdout).toContain('force     kill (~2s)');
  });

  it.each([
    [
      'an unknown key',
      'ssh:\n  hostkeychecking: no\n',
      'ssh.hostkeychecking: unknown key (did you mean hostKeyChecking?)',
    ],
    ['a misspelled section', 'drian:\n  onFailure: hold\n', 'drian: unknown key (did you mean drain?)'],
    [
      'a bad option of a drain action',
      'drain:\n  force:\n    - { action: kill, pattern: x, signal: SIGFOO }\n',
      'drain.force[0].signal',
    ],
    ['an unknown drain action', 'drain:\n  graceful:\n    - { action: reboot }\n', 'drain.graceful[0].action'],
    ['a plugin that cannot load', 'plugins: [ ./missing.ts ]\n', 'plugins[0]'],
    [
      'a TLS certificate that is not there',
      'endpoint:\n  tls: { cert: missing.crt, key: missing.key }\n',
      'endpoint.tls.cert: cannot read',
    ],
    ['a token file that is not there', 'endpoint:\n  tokenFile: missing.token\n', 'endpoint.tokenFile: cannot read'],
  ])('exits 2 naming the key for %s, for check and for run', async (_, text, key) => {
    const file = await configFile(text);
    for (const command of ['check', 'run']) {
      const result = cli(command, '-c', file);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(key);
    }
  });

  it('a missing token file is named with the command that makes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-missing-'));
    const tokenFile = join(dir, 'endpoint.token');
    const noToken = cli('check', '-c', await configFile(`endpoint: { tokenFile: ${tokenFile} }\n`));
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain(`endpoint.tokenFile: cannot read ${tokenFile} (ENOENT)`);
    expect(noToken.stderr).toContain(`fix: make one with dynslice-agent token --out ${tokenFile}`);
    expect(noToken.stderr).toContain('(DYNSLICE_TOKEN_MISSING, docs/troubleshooting.md)');
  });
});
