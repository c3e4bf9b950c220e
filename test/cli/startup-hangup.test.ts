import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli-process.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { throwawayKey } from '../helpers/throwaway-key.js';

describe('the built CLI as a process', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-startup-hup-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the version of package.json with --version, and exits 0', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('a SIGHUP while `run` starts (before its handler is in place) neither kills nor stops it', async () => {
    const marker = join(dir, 'reading-manifest');
    await writeFile(
      join(dir, 'manifest.xml'),
      manifestXml([{ clientId: 'node1', nodeId: 'pc101', host: '127.0.0.1', port: 1, user: 'nobody' }]),
    );
    // The manifest command says when start-up reached it, then holds start-up for a while.
    const command = `touch ${marker}; sleep 2; cat ${join(dir, 'manifest.xml')}`;
    await writeFile(
      join(dir, 'agent.yaml'),
      `endpoint: { listen: "127.0.0.1:0" }\nnodes: { manifest: { command: ${JSON.stringify(command)} }, reloadSeconds: 0 }\n` +
        `ssh: ${JSON.stringify(throwawayKey().ssh)}\nstate: { dir: state }\n`,
    );
    const run = startCli(['run', '-c', join(dir, 'agent.yaml')]);
    try {
      await run.waitUntil(() => (existsSync(marker) ? true : undefined), 30_000, 'the manifest command');
      run.child.kill('SIGHUP');
      await run.waitFor(/"msg":"endpoint listening"/, 30_000);
      // After start-up, SIGHUP is the reload it is documented to be.
      run.child.kill('SIGHUP');
      await run.waitFor(/"msg":"node list read".*"reason":"signal"|"reason":"signal".*"msg":"node list read"/, 30_000);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.child.signalCode).toBeNull();
  });
});
