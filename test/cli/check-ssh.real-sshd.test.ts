import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli as cli } from '../helpers/cli-process.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';

const rowsOf = (stdout: string) =>
  stdout
    .split('\n')
    .map((line) => line.split(/\s{2,}/))
    .filter((row) => /^pc\d+$/.test(row[0]!));

describe('check --ssh against real sshd nodes', () => {
  let ssh: SshTestNodes;
  let file: string;

  beforeAll(async () => {
    ssh = await startSshNodes(5);
    const [reachable, , refusing, closed, changed] = ssh.nodes;
    // known_hosts: no entry for one node, another node's key for the last.
    const entry = (port: number, nodeId: string) => `[127.0.0.1]:${port} ${ssh.hostPublicKey(nodeId)}\n`;
    const knownHosts = join(ssh.baseDir, 'check_known_hosts');
    await writeFile(
      knownHosts,
      [
        entry(reachable!.port, reachable!.nodeId),
        entry(refusing!.port, refusing!.nodeId),
        entry(closed!.port, closed!.nodeId),
        entry(changed!.port, reachable!.nodeId),
      ].join(''),
    );
    await ssh.stopNode(closed!.nodeId);
    const manifest = join(ssh.baseDir, 'manifest.xml');
    await writeFile(
      manifest,
      manifestXml(ssh.nodes.map((n) => ({ ...n, user: n === refusing ? 'dynslice-no-such-user' : n.user }))),
    );
    file = join(ssh.baseDir, 'agent.yaml');
    await writeFile(
      file,
      stringify({
        nodes: { manifest },
        // The key as a command prints it: read once, never written anywhere.
        ssh: {
          privateKeyCommand: `cat ${ssh.privateKeyPath}`,
          knownHostsPath: knownHosts,
          hostKeyChecking: 'yes',
          connectTimeoutSeconds: 5,
        },
        state: { dir: join(ssh.baseDir, 'state') },
      }),
    );
  });

  afterAll(async () => {
    await ssh?.stop();
  });

  it('logs in to every node once and says, per node, what stands in the way; exit 1', async () => {
    const result = await cli(['check', '--ssh', '-c', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    // The configuration summary comes first, as without --ssh.
    expect(result.stdout).toMatch(/^.*agent\.yaml: valid\n {2}endpoint/);
    expect(result.stdout).toContain('  nodes     5 from ');
    expect(result.stdout).toContain('key from command "cat ');
    const rows = rowsOf(result.stdout);
    const [n0, n1, n2, n3, n4] = ssh.nodes;
    expect(rows.map((row) => row.slice(0, 3))).toEqual([
      [n0!.nodeId, `${n0!.user}@127.0.0.1:${n0!.port}`, 'reachable'],
      [n1!.nodeId, `${n1!.user}@127.0.0.1:${n1!.port}`, 'host key unknown'],
      [n2!.nodeId, `dynslice-no-such-user@127.0.0.1:${n2!.port}`, 'auth failed'],
      [n3!.nodeId, `${n3!.user}@127.0.0.1:${n3!.port}`, 'unreachable'],
      [n4!.nodeId, `${n4!.user}@127.0.0.1:${n4!.port}`, 'host key mismatch'],
    ]);
    expect(rows[3]![3]).toMatch(/^refused: /);
    // Each host key problem is given the command that fixes it.
    const knownHosts = join(ssh.baseDir, 'check_known_hosts');
    expect(rows[1]![3]).toContain(`(record it: ssh-keyscan -p ${n1!.port} 127.0.0.1 >> ${knownHosts})`);
    expect(rows[4]![3]).toContain(`ssh-keygen -R '[127.0.0.1]:${n4!.port}' -f ${knownHosts}`);
    expect(result.stdout).toContain('\n1 of 5 nodes reachable\n');
    // The refused login is named with what to change on CloudLab.
    expect(result.stdout).toContain('auth failed: the nodes refused the key key from command');
    expect(result.stdout).toContain('node.installRootKeys(True, True)');
    expect(result.stdout + result.stderr).not.toContain((await readFile(ssh.privateKeyPath, 'utf8')).split('\n')[1]);
  });

  it('exits 0 when every node is reachable', async () => {
    const manifest = join(ssh.baseDir, 'one.xml');
    await writeFile(manifest, manifestXml([ssh.nodes[0]!]));
    const one = join(ssh.baseDir, 'one.yaml');
    await writeFile(one, (await readFile(file, 'utf8')).replace(/manifest: .*/, `manifest: ${manifest}`));
    const result = await cli(['check', '--ssh', '-c', one]);
    expect(result.code).toBe(0);
    expect(rowsOf(result.stdout).map((row) => row[2])).toEqual(['reachable']);
  });

  it('a missing or unusable key file is named once, before any login: exit 2', async () => {
    const manifest = join(ssh.baseDir, 'one.xml');
    await writeFile(manifest, manifestXml([ssh.nodes[0]!]));
    const publicOnly = `${ssh.privateKeyPath}.pub`;
    for (const [key, says] of [
      [
        join(ssh.baseDir, 'no-such-key'),
        /no such file\n {2}fix: .*on CloudLab, the profile must ask for root keys .*installRootKeys\(True, True\)/,
      ],
      [publicOnly, /a public key, not the private key|not a private key/],
    ] as const) {
      const yaml = join(ssh.baseDir, 'keyless.yaml');
      const config = stringify({
        nodes: { manifest },
        ssh: { privateKeyPath: key },
        state: { dir: join(ssh.baseDir, 'state') },
      });
      await writeFile(yaml, config);
      const result = await cli(['check', '--ssh', '-c', yaml]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`ssh.privateKeyPath: ${key}: `);
      expect(result.stderr).toMatch(says);
      expect(rowsOf(result.stdout)).toEqual([]);
    }
  });
});
