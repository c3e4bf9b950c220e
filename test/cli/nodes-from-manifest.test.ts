import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { siteManifestXml } from '../cluster/two-site-manifest.js';
import { BIN } from '../helpers/agent-process.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/manifests');
let dir: string;

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env });

/** The `nodes` table, a row of cells per line. */
const rows = (text: string) => text.split('\n').map((line) => line.trimEnd().split(/\s{2,}/));

async function config(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** An ssh section with a key that exists: check refuses a configuration whose nodes it could not log in to. */
const sshWithKey = () => `ssh: { privateKeyPath: ${join(dir, 'key')}, hostKeyChecking: accept-new }\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dynslice-manifest-cli-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
  for (const name of ['cloudlab-v3.xml', 'malformed.xml']) await copyFile(join(FIXTURES, name), join(dir, name));
  await writeFile(join(dir, 'two-sites.xml'), siteManifestXml());
});

describe('nodes from a manifest, on the command line', () => {
  it('nodes prints the resolved table, the manifest path relative to the configuration', async () => {
    const file = await config(
      'file.yaml',
      'ssh: { user: bob }\nnodes: { manifest: cloudlab-v3.xml, exclude: [node2] }\n',
    );
    const result = cli(['nodes', '-c', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const source = join(dir, 'cloudlab-v3.xml');
    expect(rows(result.stdout)).toEqual([
      ['NODE', 'CLIENT', 'HOST', 'PORT', 'USER', 'SOURCE'],
      ['pc101', 'node0', 'pc101.utah.cloudlab.us', '22', 'bob', source],
      ['pc102', 'node1', 'pc102.utah.cloudlab.us', '2222', 'bob', source],
      ['pc104', 'node3', 'pc104.utah.cloudlab.us', '22', 'alice', source],
      [''],
      ['3 nodes'],
      ['excluded pc103 (node2): listed in exclude'],
      [''],
    ]);
  });

  it('reads the manifest from a command, and leaves out the node geni-get client_id names as self', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    // CloudLab's geni-get, as far as the agent uses it.
    await writeFile(
      join(bin, 'geni-get'),
      `#!/bin/sh\ncase "$1" in\n  client_id) echo node1 ;;\n  manifest) cat ${join(dir, 'cloudlab-v3.xml')} ;;\n  *) exit 1 ;;\nesac\n`,
    );
    await chmod(join(bin, 'geni-get'), 0o755);
    const file = await config(
      'command.yaml',
      `nodes: { manifest: { command: "geni-get manifest" }, exclude: [self] }\n${sshWithKey()}`,
    );
    const result = cli(['nodes', '-c', file], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(result.status).toBe(0);
    expect(rows(result.stdout).filter((row) => /^pc\d+$/.test(row[0]!))).toEqual([
      ['pc101', 'node0', 'pc101.utah.cloudlab.us', '22', 'alice', 'command "geni-get manifest"'],
      ['pc103', 'node2', 'node2.myexp.myproj.utah.cloudlab.us', '22', 'root', 'command "geni-get manifest"'],
      ['pc104', 'node3', 'pc104.utah.cloudlab.us', '22', 'alice', 'command "geni-get manifest"'],
    ]);
    expect(result.stdout).toContain('excluded pc102 (node1): this machine (exclude: self)');
    // check counts the same nodes.
    const check = cli(['check', '-c', file], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(check.stdout).toContain('  nodes     3 from command "geni-get manifest"\n');
  });

  it('nodes lists the nodes of a manifest across sites that are left out, with the reason', async () => {
    // Nothing says which site the endpoint is registered with, and pc101 is at both: refused, naming the fix.
    const unknown = cli(['nodes', '-c', await config('sites.yaml', 'nodes: { manifest: two-sites.xml }\n')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/pc101 at several of them.*set nodes\.site/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    // Node, client and host of each node kept; then the notes below the table.
    const table = (stdout: string) => {
      const [nodes = '', notes = ''] = stdout.split('\n\n');
      return [
        ...rows(nodes)
          .slice(1)
          .map((row) => row.slice(0, 3).join(' ')),
        ...notes.trimEnd().split('\n'),
      ];
    };
    // The boss host names the site: the other site's nodes are left out.
    const utah = await config(
      'utah.yaml',
      `nodes: { manifest: two-sites.xml }\ncluster: { bossHost: boss.utah.cloudlab.us }\n${sshWithKey()}`,
    );
    const known = cli(['nodes', '-c', utah]);
    expect(known.status).toBe(0);
    expect(table(known.stdout).slice(3)).toEqual([
      '3 nodes',
      'site utah.cloudlab.us (from cluster.bossHost); the manifest lists clemson.cloudlab.us, utah.cloudlab.us',
      'excluded pc101 (node2): other site: clemson.cloudlab.us',
      'excluded clnode7 (node3): other site: clemson.cloudlab.us',
    ]);
    expect(table(known.stdout)[0]).toBe('pc101 node0 pc101.utah.cloudlab.us');
    expect(cli(['check', '-c', utah]).stdout).toContain(`  nodes     3 from ${join(dir, 'two-sites.xml')}\n`);
  });

  it('a malformed manifest stops nodes, check and run with exit 2, naming the file and the line', async () => {
    const file = await config('malformed.yaml', 'nodes: { manifest: malformed.xml }\nstate: { dir: state }\n');
    for (const command of ['nodes', 'check', 'run']) {
      const result = cli([command, '-c', file]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `dynslice-agent: nodes.manifest: ${join(dir, 'malformed.xml')}:10: not well-formed XML: unexpected close tag.\n`,
      );
    }
  });

  it('a manifest command that fails stops the agent with exit 2, naming the command', async () => {
    const file = await config(
      'failing.yaml',
      'nodes: { manifest: { command: "echo no boss >&2; exit 3" } }\nstate: { dir: state }\n',
    );
    const result = cli(['run', '-c', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^dynslice-agent: nodes\.manifest: command "echo no boss >&2; exit 3": the command failed: exited with 3: no boss\n {2}fix: .*\n {2}\(DYNSLICE_MANIFEST_UNREADABLE, docs\/troubleshooting\.md\)\n$/,
    );
  });

  it.each([
    ['nodes: { manifest: 3 }', 'nodes.manifest'],
    ['nodes: { manifest: { run: x } }', 'nodes.manifest.run: unknown key'],
    ['nodes: { manifest: m.xml, reload: 30 }', 'nodes.reload: unknown key'],
    ['nodes: { manifest: m.xml, reloadSeconds: -1 }', 'nodes.reloadSeconds'],
    ['nodes: { manifest: m.xml, site: "pc101" }', 'nodes.site: "pc101" is not a site'],
    ['nodes: [ { node_id: pc1 } ]', 'nodes[0].host'],
    ['nodes: pc1', 'nodes: expected a list of nodes, or { manifest: FILE }'],
  ])('a bad nodes key (%s) is named', async (text, key) => {
    const result = cli(['check', '-c', await config('bad.yaml', `${text}\n`)]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(key);
  });
});

describe('ssh.privateKeyCommand', () => {
  it('a key command that fails stops the agent with exit 2 naming the key, and nothing it printed is shown', async () => {
    const file = await config(
      'key-fails.yaml',
      'ssh: { privateKeyCommand: "echo SECRET-KEY-TEXT; echo denied >&2; exit 1" }\nstate: { dir: state }\n',
    );
    const result = cli(['run', '-c', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'dynslice-agent: ssh.privateKeyCommand: no private key: the command failed (exited with 1: denied)\n' +
        "  fix: run it yourself as the agent's user: it must exit 0 and print an unencrypted private key on stdout\n" +
        '  (DYNSLICE_SSH_KEY_COMMAND_FAILED, docs/troubleshooting.md)\n',
    );
    expect(result.stdout + result.stderr).not.toContain('SECRET-KEY-TEXT');
  });

  it('a key command that prints something other than a key stops the agent with exit 2', async () => {
    const file = await config(
      'key-garbage.yaml',
      'ssh: { privateKeyCommand: "echo SECRET-NOT-A-KEY" }\nstate: { dir: state }\n',
    );
    const result = cli(['run', '-c', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^dynslice-agent: ssh\.privateKeyCommand: no private key: what the command printed is not a usable private key/,
    );
    expect(result.stdout + result.stderr).not.toContain('SECRET-NOT-A-KEY');
  });
});
