import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli-process.js';

// Nothing is installed beside it: 'dynslice-agent' must come from the agent that loads it.
const PLUGIN = `import { defineDrainAction, passesWhenZero, z } from 'dynslice-agent';

export const flush = defineDrainAction({
  name: 'flush-disks',
  options: z.strictObject({ path: z.string().min(1) }),
  estimateSeconds: 3,
  async run(ctx) {
    await ctx.ssh.run('sync -- "$P"', { env: { P: ctx.options.path } });
  },
  async verify(ctx) {
    return passesWhenZero(await ctx.ssh.run('true'));
  },
});
`;

describe('a TypeScript plugin in a folder of its own', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-plugin-'));
    await mkdir(join(dir, 'my-plugins'));
    await writeFile(join(dir, 'my-plugins/package.json'), JSON.stringify({ private: true, type: 'module' }));
    await writeFile(join(dir, 'my-plugins/flush.ts'), PLUGIN);
    await writeFile(
      join(dir, 'agent.yaml'),
      stringify({
        plugins: ['my-plugins/flush.ts'],
        drain: { graceful: [{ action: 'flush-disks', path: '/data' }] },
        state: { dir: 'state' },
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("imports dynslice-agent without installing it there, and its action is the agent's", async () => {
    const check = await runCli(['check', '-c', 'agent.yaml'], 60_000, { cwd: dir });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('graceful  flush-disks (~3s)');
  });
});
