import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/agent-process.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-cli-'));
  await writeFile(join(dir, 'agent.yaml'), text);
  return join(dir, 'agent.yaml');
}

describe('the CLI with a bad configuration', () => {
  it('check accepts the commented example and summarises the ladder', () => {
    const result = cli('check', '-c', 'examples/agent.yaml');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('graceful  kill (~2s) → flush-results (~10s)');
    expect(result.stdout).toContain('force     kill (~2s)');
  });

  it.each([
    ['an unknown key', 'ssh:\n  hostkeychecking: no\n', 'ssh.hostkeychecking'],
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
});
