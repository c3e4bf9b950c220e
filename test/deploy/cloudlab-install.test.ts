import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_PATH } from '../../src/config/cluster-schema.js';
import type { ServerApi } from '../../src/sim/server-api.js';
import { type CloudLabWorld, HEAD_NAME, SLICE, startCloudLabWorld } from '../helpers/cloudlab-world.js';
import { documentedAllowScripts } from '../helpers/doc-commands.js';
import { PYTHON } from '../helpers/python.js';
import type { SshTestNodes } from '../helpers/sshd.js';

const exec = promisify(execFile);
const EXAMPLES = join(import.meta.dirname, '../../examples/cloudlab');
const PROFILE = join(import.meta.dirname, '../../profile.py');

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
  let world: CloudLabWorld;
  let dir: string;
  let ssh: SshTestNodes;
  let cluster: ServerApi;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The profile's workload parameter, as geni-get param answers it on the head node.
    world = await startCloudLabWorld(2, 'dynslice-cloudlab-', { workload: 'slurm' });
    ({ dir, ssh, cluster } = world);
    const { clusterUrl } = world;
    await writeFile(join(dir, 'slice.credential'), '<signed-credential>test</signed-credential>\n');
    env = {
      ...world.env,
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
    await world?.stop();
  });

  it('install.sh is valid bash and profile.py compiles', async () => {
    await exec('bash', ['-n', join(EXAMPLES, 'install.sh')]);
    await exec(PYTHON, [
      '-c',
      'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
      PROFILE,
      join(dir, 'profile.pyc'),
    ]);
    // It installs the agent as the docs say.
    expect(await readFile(join(EXAMPLES, 'install.sh'), 'utf8')).toContain(
      `ALLOWED_SCRIPTS=${await documentedAllowScripts()}\n`,
    );
    // Every node gets root's key, and root's authorized_keys its public half: the agent logs in with it.
    const profile = await readFile(PROFILE, 'utf8');
    expect(profile).toContain('node.installRootKeys(True, True)');
    // The profile runs the script from the repository's clone, as root, at boot.
    expect(profile).toContain(
      'pg.Execute(shell="bash",\n                           command="sudo bash /local/repository/examples/cloudlab/install.sh"',
    );
    // The repository is the profile: CloudLab reads profile.py at its top; the examples' path still leads there.
    expect(await readFile(join(EXAMPLES, 'profile.py'), 'utf8')).toBe(profile);
  });

  it('its key, init, check and register steps: a configuration check --ssh accepts, registered with the cluster', async () => {
    const run = await installSh(['key', 'init', 'check', 'register'], env);
    expect(run.code).toBe(0);
    // stderr holds register's log lines (the cluster's answers), nothing else.
    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"level":30'))).toEqual([]);
    expect(run.stdout).toContain(`registered https://${HEAD_NAME}:8001 for ${SLICE}`);
    expect(run.stdout).toMatch(/^pc\d+ .*\breachable\b/m);
    // The drain plan init wrote is the one for the profile's workload, and check accepted it.
    expect(await readFile(join(dir, 'etc/dynslice-agent/agent.yaml'), 'utf8')).toContain(
      '- { action: slurm, reason: "reclaimed by cluster" }',
    );
    expect(run.stdout).toMatch(/graceful +slurm/);
    const registration = await cluster.waitForRegistration(10_000);
    const token = (await readFile(join(dir, 'var/lib/dynslice-agent/endpoint.token'), 'utf8')).trim();
    expect(registration).toMatchObject({
      sliceUrn: SLICE,
      url: `https://${HEAD_NAME}:8001/dynslice/${token}`,
      credentials: ['<signed-credential>test</signed-credential>\n'],
    });
  });

  it('its key step refuses a missing or unusable key before init, saying what to change (exit 2)', async () => {
    const missing = await installSh(['key'], { ...env, DYNSLICE_SSH_KEY: join(dir, 'no-such-key') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('node.installRootKeys(True, True) in profile.py');
    await writeFile(join(dir, 'not-a-key'), 'hello\n');
    const garbage = await installSh(['key'], { ...env, DYNSLICE_SSH_KEY: join(dir, 'not-a-key') });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('is not a private key the agent can use unattended');
  });

  it('its agent step, in a profile repository that holds no agent, says what to do (exit 2)', async () => {
    // install.sh copied alone to a repository of its own, as a custom profile would hold it.
    const alone = join(dir, 'my-profile');
    await mkdir(alone);
    await copyFile(join(EXAMPLES, 'install.sh'), join(alone, 'install.sh'));
    const run = await exec('bash', [join(alone, 'install.sh'), 'agent'], {
      env: { ...env, DYNSLICE_REPOSITORY: alone },
      timeout: 30_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in run ? run.code : 0).toBe(2);
    expect(run.stderr).toContain('is a dynslice-agent checkout');
    expect(run.stderr).toContain('set DYNSLICE_PACKAGE');
    expect(run.stderr).toContain('the npm registry does not serve dynslice-agent');
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
