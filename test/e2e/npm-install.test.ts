import { execFile } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runCli, startCli } from '../helpers/cli-process.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { freePort } from '../helpers/ssh-test-nodes.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const exec = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');

const PLUGIN = `import { defineDrainAction, passesOnExit, z } from 'dynslice-agent';

/** Leaves a mark on the node; verified when the mark is there. */
export const markNode = defineDrainAction({
  name: 'mark-node',
  options: z.strictObject({ file: z.string().min(1) }),
  estimateSeconds: 1,
  async run(ctx) {
    await ctx.ssh.run('touch -- "$MARK"', { env: { MARK: ctx.options.file } });
  },
  async verify(ctx) {
    return passesOnExit(await ctx.ssh.run('test -f "$MARK"', { env: { MARK: ctx.options.file } }), { tool: 'test', pass: [0] });
  },
});
`;

/** A copy of this repository's files (tracked, and new ones not ignored), as a clone would hold them. */
async function copyOfRepository(to: string): Promise<void> {
  const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO });
  for (const file of stdout.split('\0').filter((name) => name !== '')) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await cp(join(REPO, file), join(to, file), { verbatimSymlinks: true });
  }
}

describe('installed as the docs install it: install.sh builds a checkout, npm install -g its tarball', () => {
  let scratch: string;
  let prefix: string;
  let bin: string;
  let work: string;
  let ssh: SshTestNodes;
  let tarball: string;
  let installWarnings: string;
  let repository: string;
  let installEnv: NodeJS.ProcessEnv;
  const agent = (args: string[], timeoutMs = 60_000) => runCli(args, timeoutMs, { cwd: work }, [bin]);

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-install-'));
    prefix = join(scratch, 'prefix');
    work = join(scratch, 'work');
    await mkdir(work);
    // The repository as CloudLab clones it to /local/repository, somewhere else; the registry does
    // not serve the package, and nothing here asks it to.
    repository = join(scratch, 'repository');
    await copyOfRepository(repository);
    await exec('git', ['init', '-q', repository]);
    await exec('git', ['-C', repository, 'add', '-A']);
    await exec('git', [
      '-C',
      repository,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@localhost',
      'commit',
      '-qm',
      'clone',
    ]);
    installEnv = {
      ...process.env,
      npm_config_prefix: prefix,
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      DYNSLICE_PACK_DIR: join(scratch, 'pack'),
    };
    const installed = await exec('bash', [join(repository, 'examples/cloudlab/install.sh'), 'agent'], {
      cwd: scratch,
      env: installEnv,
      timeout: 840_000,
    });
    installWarnings = installed.stderr;
    const packed = /^install\.sh: installing (\S+\.tgz)$/m.exec(installed.stderr)?.[1];
    expect(packed).toBeDefined();
    tarball = packed!;
    bin = join(prefix, 'bin', 'dynslice-agent');
    ssh = await startSshNodes(1);
  }, 900_000);

  afterAll(async () => {
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the tarball holds the built CLI, the examples and the docs, and no tests or sources', async () => {
    const { stdout } = await exec('tar', ['tzf', tarball]);
    const files = stdout.split('\n');
    for (const file of [
      'package/bin/dynslice-agent.js',
      'package/dist/src/main.js',
      'package/dist/src/index.d.ts',
      'package/examples/systemd/dynslice-agent.service',
      'package/examples/cloudlab/install.sh',
      'package/docs/cloudlab.md',
    ])
      expect(files).toContain(file);
    expect(files.filter((file) => /^package\/(test|src\/(?!observe\/dashboard))|\.test\.|tsconfig/.test(file))).toEqual(
      [],
    );
    // npm 11 names install scripts its allow list leaves out (a later npm skips them): only the
    // package's own prepare remains, which npm runs for a git checkout, never for a tarball.
    const uncovered = [...installWarnings.matchAll(/^npm warn install-scripts\s+(\S+)@\S+ \(/gm)].map((m) => m[1]);
    expect(uncovered.filter((name) => name !== 'dynslice-agent')).toEqual([]);
    // The state lock's native addon was built by its install script.
    await access(join(prefix, 'lib/node_modules/dynslice-agent/node_modules/fs-ext/build/Release/fs_ext.node'));
  });

  it('a second boot with the same checkout keeps the install: nothing is built again', async () => {
    const again = await exec('bash', [join(repository, 'examples/cloudlab/install.sh'), 'agent'], {
      cwd: scratch,
      env: installEnv,
      timeout: 120_000,
    });
    expect(again.stderr).toContain(`is installed from ${repository} as it is: kept`);
    expect(again.stderr).not.toContain('building');
    const commit = (await exec('git', ['-C', repository, 'rev-parse', 'HEAD'])).stdout.trim();
    expect(await readFile(join(scratch, 'pack/dynslice-agent.installed'), 'utf8')).toMatch(
      new RegExp(`^${commit} [0-9a-f]{16}\\n$`),
    );
  });

  it('--version, init, check and run work from another directory, with a TypeScript plugin outside the package', async () => {
    const version = await agent(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version);

    const [node] = ssh.nodes;
    await writeFile(
      join(work, 'manifest.xml'),
      manifestXml([{ clientId: 'head', nodeId: 'pc900', host: '127.0.0.1', hostName: hostname() }, { ...node! }]),
    );
    const port = await freePort();
    const init = await agent([
      'init',
      '--manifest',
      'manifest.xml',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--ssh-key',
      ssh.privateKeyPath,
      '--ssh-user',
      node!.user,
    ]);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);

    // The plugin: an ES module in a folder of its own, with nothing installed there.
    const plugins = join(scratch, 'my-plugins');
    await mkdir(plugins);
    await writeFile(
      join(plugins, 'package.json'),
      JSON.stringify({ name: 'my-plugins', private: true, type: 'module' }),
    );
    await writeFile(join(plugins, 'plugin.ts'), PLUGIN);
    const mark = join(scratch, 'marked');
    const doc = parseDocument(await readFile(join(work, 'agent.yaml'), 'utf8'));
    doc.set('plugins', [join(plugins, 'plugin.ts')]);
    doc.setIn(['drain', 'graceful'], [{ action: 'mark-node', file: mark, verifyIntervalSeconds: 1 }]);
    await writeFile(join(work, 'agent.yaml'), doc.toString());

    const check = await agent(['check', '-c', 'agent.yaml', '--ssh']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('graceful  mark-node (~1s)');

    const run = startCli(['run', '-c', 'agent.yaml'], { cwd: work }, [bin]);
    try {
      await run.waitFor(/"msg":"endpoint listening"/, 60_000);
      const token = (await readFile(join(work, 'state/endpoint.token'), 'utf8')).trim();
      const url = `https://127.0.0.1:${port}/dynslice/${token}`;
      let released = false;
      for (let i = 0; i < 30 && !released; i += 1) {
        const [outcome] = await callWithPython(
          url,
          [
            {
              method: 'NotifyDeletePending',
              params: [{ nodelist: [{ node_id: node!.nodeId, client_id: node!.clientId, max_wait_time: 300 - i }] }],
            },
          ],
          { cafile: join(work, 'state/tls/agent.crt') },
        );
        const reply = outcome?.result as { value: Array<{ max_wait_time: number }> } | undefined;
        released = reply?.value[0]?.max_wait_time === 0;
        if (!released) await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(released).toBe(true);
      await access(mark);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });
});
