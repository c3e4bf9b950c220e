import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { runCli } from '../helpers/cli-process.js';
import { writeFakeGeniGet } from '../helpers/fake-geni-get.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { issuerOf, makeClusterPki, makePortalCredential } from '../helpers/test-pki.js';

const SLICE = 'urn:publicid:IDN+utah.cloudlab.us:myproj+slice+myexp';
const HEAD_NAME = 'head.myexp.myproj.utah.cloudlab.us';
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('dynslice-agent init on a node (no terminal: it never asks)', () => {
  let ssh: SshTestNodes;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let manifest: string;
  const init = (args: string[], cwd = dir) => runCli(['init', ...args], 60_000, { cwd, env });

  beforeAll(async () => {
    ssh = await startSshNodes(2);
    dir = await mkdtemp(join(tmpdir(), 'dynslice-init-'));
    manifest = join(dir, 'manifest.xml');
    // The head node (this machine, known by its client_id) and two workers on real sshd.
    await writeFile(
      manifest,
      manifestXml([
        { clientId: 'head', nodeId: 'pc900', host: HEAD_NAME, hostName: HEAD_NAME },
        ...ssh.nodes.map((n) => ({ ...n })),
      ]),
    );
    await mkdir(join(dir, 'bin'));
    await writeFakeGeniGet(join(dir, 'bin'), { manifestFile: manifest, clientId: 'head', sliceUrn: SLICE });
    env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
  });

  afterAll(async () => {
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a configuration from geni-get that check --ssh accepts against the nodes', async () => {
    const out = await init(['--ssh-key', ssh.privateKeyPath, '--ssh-user', ssh.nodes[0]!.user, '--state-dir', 'state']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`The URL to register: https://${HEAD_NAME}:8001/dynslice/[token]`);
    expect(out.stdout).toContain(`dynslice-agent check -c ${join(dir, 'agent.yaml')} --ssh`);
    const config = await loadConfig(join(dir, 'agent.yaml'));
    expect(config.nodes).toEqual({ manifest: { command: 'geni-get manifest' }, exclude: ['self'], reloadSeconds: 300 });
    expect(config.endpoint).toMatchObject({
      listen: `${HEAD_NAME}:8001`,
      tokenFile: join(dir, 'state/endpoint.token'),
    });
    expect(config.cluster).toMatchObject({ bossHost: 'boss.utah.cloudlab.us', sliceUrn: SLICE, register: false });
    // Its commented examples use the verify docs/drain-plans.md recommends, never `! pgrep`.
    const written = await readFile(join(dir, 'agent.yaml'), 'utf8');
    expect(written).toContain('verify: "pgrep -f my-job >/dev/null; [ $? -eq 1 ]"');
    expect(written).not.toContain('! pgrep');
    const cert = await readFile(join(dir, 'state/tls/agent.crt'), 'utf8');
    expect(cert).toContain('BEGIN CERTIFICATE');
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(cert).checkHost(HEAD_NAME)).toBe(HEAD_NAME);

    const check = await runCli(['check', '-c', 'agent.yaml', '--ssh'], 60_000, { cwd: dir, env });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('nodes     2 from command "geni-get manifest"');
    expect(check.stdout.match(/^pc\d+ .*\breachable\b/gm)).toHaveLength(2);
  });

  it('refuses to overwrite agent.yaml without --force (exit 2, naming it); --force keeps the token and the certificate', async () => {
    const before = await readFile(join(dir, 'agent.yaml'), 'utf8');
    const token = await readFile(join(dir, 'state/endpoint.token'), 'utf8');
    const refused = await init(['--manifest', manifest, '--host', 'other.example.net']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(dir, 'agent.yaml')}: exists`);
    noStackTrace(refused.stderr);
    expect(await readFile(join(dir, 'agent.yaml'), 'utf8')).toBe(before);

    const login = ['--ssh-key', ssh.privateKeyPath, '--ssh-user', ssh.nodes[0]!.user];
    const forced = await init(['--manifest', 'manifest.xml', '--state-dir', 'state', ...login, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/token\s+\S+ \(kept\)/);
    expect(forced.stdout).toMatch(/certificate\s+\S+ for head\S+ \(kept\)/);
    expect(await readFile(join(dir, 'state/endpoint.token'), 'utf8')).toBe(token);
    expect(parse(await readFile(join(dir, 'agent.yaml'), 'utf8')).nodes.manifest).toBe(manifest);
  });

  it('bad manifests: not XML, missing, not this machine: exit 2 naming the file, never a stack trace', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(
      join(other, 'broken.xml'),
      '<?xml version="1.0"?>\n<rspec xmlns="http://www.geni.net/resources/rspec/3">\n<node>\n</rspec>\n',
    );
    const broken = await init(['--manifest', 'broken.xml'], other);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${join(other, 'broken.xml')}:4: not well-formed XML`);
    const missing = await init(['--manifest', 'nowhere.xml'], other);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(other, 'nowhere.xml'));
    // This machine is not in the manifest (no geni-get here): --host is needed, and nothing is asked.
    const stranger = await runCli(['init', '--manifest', manifest], 60_000, { cwd: other });
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toContain('--host: no node of');
    for (const run of [broken, missing, stranger]) noStackTrace(run.stderr);
    await expect(readFile(join(other, 'agent.yaml'))).rejects.toThrow();
  });

  it('bad credentials: a missing file or one that is not the portal credential: exit 2 naming the file', async () => {
    const other = join(dir, 'cred');
    await mkdir(other);
    await writeFile(join(other, 'cloudlab.pem'), 'not a credential\n');
    const bad = await init(['--manifest', manifest, '--credential', 'cloudlab.pem'], other);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`cluster.credentialPem`);
    expect(bad.stderr).toContain(join(other, 'cloudlab.pem'));
    const missing = await init(['--manifest', manifest, '--credential', 'gone.pem'], other);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(other, 'gone.pem'));
    for (const run of [bad, missing]) noStackTrace(run.stderr);
  });

  it("with the portal's credential, the cluster is the server its certificate names", async () => {
    const other = join(dir, 'named');
    await mkdir(other);
    makeClusterPki(other);
    const server = 'https://www.utah.cloudlab.us:12369/protogeni/xmlrpc/sa';
    const options = { format: 'traditional', passphrase: 'pass 1', order: 'key-first', server } as const;
    makePortalCredential(other, 'cloudlab', issuerOf(other), options);
    await writeFile(join(other, 'passphrase'), 'pass 1\n');
    const args = ['--manifest', manifest, '--credential', 'cloudlab.pem', '--passphrase-file', 'passphrase'];
    const out = await init([...args, '--state-dir', 'state'], other);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/ {2}cluster +www\.utah\.cloudlab\.us:12369 \(named by the credential\)/);
  });

  it('--workload writes the drain plan of Slurm or Kubernetes, ready for check; another value is refused', async () => {
    for (const workload of ['slurm', 'kubernetes'] as const) {
      const other = join(dir, `workload-${workload}`);
      await mkdir(other);
      const login = ['--ssh-key', ssh.privateKeyPath, '--ssh-user', ssh.nodes[0]!.user];
      const out = await init(['--manifest', manifest, '--workload', workload, '--state-dir', 'state', ...login], other);
      expect(out.code).toBe(0);
      const config = await loadConfig(join(other, 'agent.yaml'));
      const [graceful] = config.drain.graceful;
      const [force] = config.drain.force;
      expect(graceful).toMatchObject({ action: workload });
      expect(force).toMatchObject(workload === 'slurm' ? { jobs: 'requeue' } : { pods: 'delete' });
      if (workload === 'kubernetes') expect(graceful).toMatchObject({ controller: { host: HEAD_NAME } });
      const check = await runCli(['check', '-c', 'agent.yaml'], 60_000, { cwd: other, env });
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(new RegExp(`graceful +${workload}`));
    }
    const other = join(dir, 'workload-bad');
    await mkdir(other);
    const bad = await init(['--manifest', manifest, '--workload', 'mesos'], other);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('jobs, slurm, kubernetes');
    await expect(readdir(other)).resolves.toEqual([]);
  });

  it('a value the configuration would refuse (here --slice-urn) stops init before anything is written', async () => {
    const other = join(dir, 'urn');
    await mkdir(other);
    const refused = await init(['--manifest', manifest, '--slice-urn', 'myexp', '--state-dir', 'state'], other);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cluster.sliceUrn: expected urn:publicid:IDN+');
    noStackTrace(refused.stderr);
    await expect(readdir(other)).resolves.toEqual([]);
  });

  it('an unreachable node: check --ssh on the written configuration exits 1 naming it', async () => {
    await ssh.stopNode(ssh.nodes[1]!.nodeId);
    const check = await runCli(['check', '-c', 'agent.yaml', '--ssh'], 60_000, { cwd: dir, env });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`${ssh.nodes[1]!.nodeId}.*unreachable`));
    // The other node logs in with the written key: only the stopped one is named.
    expect(check.stdout).toMatch(new RegExp(`${ssh.nodes[0]!.nodeId} .*\\breachable`));
    expect(check.stdout).toContain('1 of 2 nodes reachable');
    noStackTrace(check.stderr);
  });
});
