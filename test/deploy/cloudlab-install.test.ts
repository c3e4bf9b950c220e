import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_PATH } from '../../src/config/cluster-schema.js';
import { createLogger } from '../../src/log/logger.js';
import { createServerApi, type ServerApi } from '../../src/sim/server-api.js';
import { writeCliOnPath } from '../helpers/cli-process.js';
import { documentedAllowScripts } from '../helpers/doc-commands.js';
import { writeFakeGeniGet } from '../helpers/fake-geni-get.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { PYTHON } from '../helpers/python.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';

const exec = promisify(execFile);
const EXAMPLES = join(import.meta.dirname, '../../examples/cloudlab');
const SLICE = 'urn:publicid:IDN+utah.cloudlab.us:myproj+slice+myexp';
const HEAD_NAME = 'head.myexp.myproj.utah.cloudlab.us';

/** install.sh as the profile runs it, with the given steps; its exit status and output. */
async function installSh(
  steps: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', [join(EXAMPLES, 'install.sh'), ...steps], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('the CloudLab profile and its startup script', () => {
  let dir: string;
  let ssh: SshTestNodes;
  let cluster: ServerApi;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-cloudlab-'));
    ssh = await startSshNodes(2);
    cluster = createServerApi({
      maxwaittime: 600,
      policy: 'LIFO',
      sliceUrn: SLICE,
      logger: createLogger({ level: 'silent' }),
    });
    const clusterUrl = await cluster.listen(0, '127.0.0.1');
    const manifest = join(dir, 'manifest.xml');
    await writeFile(
      manifest,
      manifestXml([
        { clientId: 'head', nodeId: 'pc900', host: HEAD_NAME, hostName: HEAD_NAME },
        ...ssh.nodes.map((n) => ({ ...n })),
      ]),
    );
    // On PATH: geni-get as on a node, and the agent as `npm install -g` puts it there.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFakeGeniGet(bin, { manifestFile: manifest, clientId: 'head', sliceUrn: SLICE });
    await writeCliOnPath(bin);
    await writeFile(join(dir, 'slice.credential'), '<signed-credential>test</signed-credential>\n');
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      DYNSLICE_CONFIG: join(dir, 'etc/dynslice-agent/agent.yaml'),
      DYNSLICE_STATE_DIR: join(dir, 'var/lib/dynslice-agent'),
      DYNSLICE_SSH_KEY: ssh.privateKeyPath,
      DYNSLICE_SLICE_CREDENTIAL: join(dir, 'slice.credential'),
      DYNSLICE_INIT_FLAGS: `--ssh-user ${ssh.nodes[0]!.user} --cluster-url ${clusterUrl}`,
      DYNSLICE_CHECK_SSH: '1',
    };
    expect(clusterUrl).toContain(DEFAULT_CLUSTER_PATH);
  });

  afterAll(async () => {
    await cluster?.close();
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('install.sh is valid bash and profile.py compiles', async () => {
    await exec('bash', ['-n', join(EXAMPLES, 'install.sh')]);
    await exec(PYTHON, [
      '-c',
      'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
      join(EXAMPLES, 'profile.py'),
      join(dir, 'profile.pyc'),
    ]);
    // It installs the agent as the docs say.
    expect(await readFile(join(EXAMPLES, 'install.sh'), 'utf8')).toContain(
      `ALLOWED_SCRIPTS=${await documentedAllowScripts()}\n`,
    );
    // The profile runs the script from the profile's repository, as root, at boot.
    expect(await readFile(join(EXAMPLES, 'profile.py'), 'utf8')).toContain(
      'pg.Execute(shell="bash",\n                           command="sudo bash /local/repository/install.sh',
    );
  });

  it('its key, init, check and register steps: a configuration check --ssh accepts, registered with the cluster', async () => {
    const run = await installSh(['key', 'init', 'check', 'register'], env);
    expect(run.code).toBe(0);
    // stderr holds register's log lines (the cluster's answers), nothing else.
    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"level":30'))).toEqual([]);
    expect(run.stdout).toContain(`registered https://${HEAD_NAME}:8001 for ${SLICE}`);
    expect(run.stdout).toMatch(/^pc\d+ .*\breachable\b/m);
    const registration = await cluster.waitForRegistration(10_000);
    const token = (await readFile(join(dir, 'var/lib/dynslice-agent/endpoint.token'), 'utf8')).trim();
    expect(registration).toMatchObject({
      sliceUrn: SLICE,
      url: `https://${HEAD_NAME}:8001/dynslice/${token}`,
      credentials: ['<signed-credential>test</signed-credential>\n'],
    });
  });

  it('a second boot keeps the configuration; an unknown step is refused with exit 2', async () => {
    const before = await readFile(join(dir, 'etc/dynslice-agent/agent.yaml'), 'utf8');
    const again = await installSh(['key', 'init', 'check'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('agent.yaml exists: kept');
    expect(await readFile(join(dir, 'etc/dynslice-agent/agent.yaml'), 'utf8')).toBe(before);
    const unknown = await installSh(['instal'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown step instal');
  });
});
