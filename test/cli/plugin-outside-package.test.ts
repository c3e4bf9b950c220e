import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli-process.js';

// The example plugin, as docs/plugins.md says to use it: copied to a folder of its own, with nothing
// installed there ('dynslice-agent' must come from the agent that loads it).
const EXAMPLE = join(import.meta.dirname, '../../examples/checkpoint-action.ts');

describe('the example plugin copied to a folder of its own', () => {
  let dir: string;
  const configFor = (plugin: string) =>
    stringify({
      plugins: [plugin],
      drain: { graceful: [{ action: 'checkpoint', job: 'my-job', stateFile: '/data/state', sharedDir: '/shared' }] },
      state: { dir: 'state' },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-plugin-'));
    // Beside a package.json that makes it a module; alone as .mts; alone as .ts (CommonJS to Node).
    await mkdir(join(dir, 'my-plugins'));
    await writeFile(join(dir, 'my-plugins/package.json'), JSON.stringify({ private: true, type: 'module' }));
    await copyFile(EXAMPLE, join(dir, 'my-plugins/checkpoint-action.ts'));
    await mkdir(join(dir, 'alone'));
    await copyFile(EXAMPLE, join(dir, 'alone/checkpoint-action.mts'));
    await copyFile(EXAMPLE, join(dir, 'alone/checkpoint-action.ts'));
    await writeFile(join(dir, 'agent.yaml'), configFor('my-plugins/checkpoint-action.ts'));
    await writeFile(join(dir, 'mts.yaml'), configFor('alone/checkpoint-action.mts'));
    await writeFile(join(dir, 'commonjs.yaml'), configFor('alone/checkpoint-action.ts'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("imports dynslice-agent without installing it there, and its action is the agent's", async () => {
    for (const config of ['agent.yaml', 'mts.yaml']) {
      const check = await runCli(['check', '-c', config], 60_000, { cwd: dir });
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('graceful  checkpoint (~15s)');
    }
  });

  it('a .ts file Node takes for CommonJS: exit 2, saying how to make it a module', async () => {
    const check = await runCli(['check', '-c', 'commonjs.yaml'], 60_000, { cwd: dir });
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`plugins[0]: cannot load ${join(dir, 'alone/checkpoint-action.ts')}`);
    expect(check.stderr).toContain('fix: make it an ES module: name it .mts, or put a package.json');
    expect(check.stderr).toContain('(DYNSLICE_PLUGIN_NOT_A_MODULE, docs/troubleshooting.md)');
  });
});
