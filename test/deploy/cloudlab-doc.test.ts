import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../src/deploy/self-signed-certificate.js';
import type { ServerApi } from '../../src/sim/server-api.js';
import { type CloudLabWorld, HEAD_NAME, SLICE, startCloudLabWorld } from '../helpers/cloudlab-world.js';
import { firstShellBlock } from '../helpers/doc-commands.js';
import type { SshTestNodes } from '../helpers/sshd.js';

const exec = promisify(execFile);

/** Commands this test cannot run here, and the test that covers each instead. */
const ELSEWHERE: Array<[RegExp, string]> = [
  [
    /^bash \/local\/repository\/examples\/cloudlab\/install\.sh agent$/,
    'test/e2e/npm-install.test.ts runs this step in a copy of the repository, then uses the CLI it installed',
  ],
  [/^useradd /, 'a system account: not made on a test machine'],
  [/^\$EDITOR /, 'the person edits the drain plan'],
  [/^chown -R dynslice: /, 'needs the account'],
  [/^systemctl /, 'needs a running systemd: test/deploy/service-unit.test.ts verifies the unit with systemd-analyze'],
];

describe('docs/cloudlab.md: the commands from a fresh node to a registered agent', () => {
  let world: CloudLabWorld;
  let dir: string;
  let ssh: SshTestNodes;
  let cluster: ServerApi;
  let env: NodeJS.ProcessEnv;
  let clusterUrl: string;

  beforeAll(async () => {
    world = await startCloudLabWorld(1, 'dynslice-doc-');
    ({ dir, ssh, cluster, clusterUrl, env } = world);
    // Home: the portal credential (a key and its certificate in one file) and the slice credential.
    const home = join(dir, 'home');
    await mkdir(home);
    // A certificate and its key, as the portal's credential holds them.
    await makeSelfSignedCertificate('experimenter', join(home, 'cert.pem'), join(home, 'key.pem'));
    await writeFile(
      join(home, 'cloudlab.pem'),
      (await readFile(join(home, 'key.pem'), 'utf8')) + (await readFile(join(home, 'cert.pem'), 'utf8')),
    );
    await writeFile(join(home, 'slice.credential'), '<signed-credential/>\n');
    await mkdir(join(dir, 'etc/systemd/system'), { recursive: true });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('runs as written, with the system paths moved into a scratch directory', async () => {
    const commands = await firstShellBlock();
    expect(commands.length).toBeLessThanOrEqual(15);
    const ran: string[] = [];
    for (const command of commands) {
      if (ELSEWHERE.some(([pattern]) => pattern.test(command))) continue;
      expect(command).toMatch(/^(install|dynslice-agent) /);
      const moved = command
        .replaceAll('/etc/', `${dir}/etc/`)
        .replaceAll('/var/lib/', `${dir}/var/lib/`)
        .replaceAll('/root/.ssh/id_rsa', ssh.privateKeyPath)
        .replaceAll('~/', `${dir}/home/`)
        // The cluster is the simulator on this machine.
        .replace(/^dynslice-agent init /, `dynslice-agent init --cluster-url ${clusterUrl} `);
      const result = await exec('bash', ['-euo', 'pipefail', '-c', moved], { env, timeout: 60_000 }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect({ command, code: 'code' in result ? result.code : 0 }).toEqual({ command, code: 0 });
      ran.push(command.split(' ').slice(0, 2).join(' '));
    }
    expect(ran).toEqual([
      'install -D',
      'dynslice-agent init',
      'dynslice-agent check',
      'dynslice-agent register',
      'dynslice-agent service',
    ]);
    const token = (await readFile(join(dir, 'var/lib/dynslice-agent/endpoint.token'), 'utf8')).trim();
    expect(await cluster.waitForRegistration(10_000)).toMatchObject({
      sliceUrn: SLICE,
      url: `https://${HEAD_NAME}:8001/dynslice/${token}`,
    });
    expect(await readFile(join(dir, 'etc/systemd/system/dynslice-agent.service'), 'utf8')).toContain(
      `run -c ${dir}/etc/dynslice-agent/agent.yaml`,
    );
  });
});
