import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli-process.js';

// Process-level: runs the built CLI (`npm run build` first), as `npm start -- --once` does.
describe('dynslice-agent demo (npm start)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('--once plays the default scenario with 8 emulated nodes, no sshd needed, and exits 0', async () => {
    const run = await runCli(['demo', '--once'], 90_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(60_000);
    expect(run.stdout).toMatch(/8 SSH servers on 127\.0\.0\.1/);
    expect(run.stdout).toMatch(/registered: policy LIFO, defwaittime 30 s/);
    for (let i = 101; i <= 108; i += 1)
      expect(run.stdout).toMatch(new RegExp(`pc${i} node${i - 100} +draining\\.countdown → drained`));
    expect(run.stdout).toMatch(/NotifyDeletePending #1 .*→ released none/);
    expect(run.stdout).toMatch(/nodes released early +8 of 8/);
    expect(run.stdout).toMatch(/work lost +0\n/);
    expect(run.stdout).toMatch(/ended as expected/);
  });

  it('without --once keeps serving after the scenario until SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-demo-test-'));
    dirs.push(dir);
    const scenario = join(dir, 'fast.yaml');
    await writeFile(scenario, 'name: fast\ninterval: 0.5\nwaitTime: 20\n');
    const demo = startCli(['demo', '--nodes', '2', '--scenario', scenario]);
    await demo.waitFor(/Still serving \(Ctrl-C to stop\)/, 45_000);
    const dashboard = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(demo.stdout())?.[1];
    expect((await fetch(dashboard!)).status).toBe(200);
    expect(demo.child.exitCode).toBeNull();
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  });

  it('a scenario that does not end as it expects exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-demo-test-'));
    dirs.push(dir);
    const scenario = join(dir, 'impossible.yaml');
    // The jobs need at least half a second to checkpoint: a 1 s wait with 0.5 s calls cannot be met early by all.
    await writeFile(scenario, 'name: impossible\ninterval: 0.5\nwaitTime: 1\nexpect: { releasedEarly: all }\n');
    const run = await runCli(['demo', '--once', '--nodes', '3', '--scenario', scenario], 60_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/NOT as expected/);
    expect(run.stderr).toMatch(/did not end as expected/);
  });
});
