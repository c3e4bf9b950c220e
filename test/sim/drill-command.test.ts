import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli-process.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';

// Process-level: the built CLI (`npm run build` first) against real sshd nodes on loopback.
describe('dynslice-agent drill against the configured nodes', () => {
  let ssh: SshTestNodes;
  let dir: string;
  const marker = (nodeId: string) => join(dir, `drained-${nodeId}`);

  async function writeConfig(
    name: string,
    verify: string,
    waitTime = 20,
  ): Promise<{ config: string; scenario: string }> {
    const config = join(dir, `${name}.yaml`);
    const scenario = join(dir, `${name}-scenario.yaml`);
    await writeFile(scenario, stringify({ name, interval: 0.5, waitTime }));
    await writeFile(
      config,
      stringify({
        ssh: {
          user: ssh.nodes[0]!.user,
          privateKeyPath: ssh.privateKeyPath,
          knownHostsPath: ssh.knownHostsPath,
          hostKeyChecking: 'yes',
        },
        nodes: ssh.nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, host: n.host, port: n.port })),
        drain: {
          steps: [
            {
              name: 'mark-drained',
              run: `touch "${dir}/drained-$DYNSLICE_NODE_ID"`,
              verify,
              timeoutSeconds: 10,
              verifyAttempts: 2,
              verifyIntervalSeconds: 0.2,
            },
          ],
          bestEffortSeconds: 1,
          reserveSeconds: 0, // with a deadline seconds away, the default reserve would skip straight to force steps
        },
        state: { dir: join(dir, 'state') },
      }),
    );
    return { config, scenario };
  }

  beforeAll(async () => {
    ssh = await startSshNodes(2);
    dir = await mkdtemp(join(tmpdir(), 'dynslice-drill-'));
  });

  afterAll(async () => {
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run executes nothing on the nodes (no login, no marker) and reports what it would run', async () => {
    const { config, scenario } = await writeConfig('dry', `test -f "${dir}/drained-$DYNSLICE_NODE_ID"`);
    const run = await runCli(['drill', '-c', config, '--scenario', scenario, '--dry-run'], 60_000);
    expect(run.code).toBe(0);
    for (const node of ssh.nodes) {
      expect(existsSync(marker(node.nodeId))).toBe(false);
      expect(ssh.logins(node.nodeId)).toBe(0);
      expect(run.stdout).toContain(`${node.nodeId} (${node.user}@127.0.0.1:${node.port}) would run:`);
    }
    expect(run.stdout).toContain(`touch "${dir}/drained-$DYNSLICE_NODE_ID"`);
    expect(run.stdout).toMatch(/DRY RUN/);
    // Nothing ran, so nothing passed: never "drained and verified", never "drill passed".
    expect(run.stdout).toContain('not executed (dry run)');
    expect(run.stdout).toContain('dry run complete: nothing was executed on the nodes, so nothing was verified');
    expect(run.stdout).not.toMatch(/drained and verified|drill passed/);
  });

  it('runs the real plan over SSH and reports, per node, the drain, its verification and the countdown that released it', async () => {
    const { config, scenario } = await writeConfig('real', `test -f "${dir}/drained-$DYNSLICE_NODE_ID"`);
    const run = await runCli(['drill', '-c', config, '--scenario', scenario], 60_000);
    expect(run.code).toBe(0);
    for (const node of ssh.nodes) {
      expect(existsSync(marker(node.nodeId))).toBe(true);
      expect(ssh.logins(node.nodeId)).toBeGreaterThan(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `${node.nodeId} ${node.clientId} +#1 \\+[\\d.]+s +\\+[\\d.]+s +countdown #\\d+ +[1-9]\\d* s +drained and verified`,
        ),
      );
    }
    expect(run.stdout).toMatch(/nodes released early +2 of 2/);
  });

  it('a plan whose verify fails is reported with its cause, and the drill exits 1', async () => {
    // Long enough for SSH on a loaded machine to fail the verify twice before the deadline.
    const { config, scenario } = await writeConfig('failing', 'exit 3', 10);
    const run = await runCli(['drill', '-c', config, '--scenario', scenario], 60_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/no: taken at the deadline/);
    expect(run.stdout).toMatch(/mark-drained: verify did not pass \(check-failed: exit 3\)/);
    expect(run.stdout).toMatch(/drill FAILED/);
  });
});
