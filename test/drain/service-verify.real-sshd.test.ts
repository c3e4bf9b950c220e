import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathWithout, pathWithStubs } from '../helpers/node-path.js';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { realSlice } from '../helpers/real-slice.js';
import { realStep, SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import type { SshTestNodes } from '../helpers/sshd.js';

// The real tools fail here for real; where a machine has them working, those cases do not apply.
const systemdRuns = readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd';
const dockerDaemon = existsSync('/var/run/docker.sock');

const pending = (nodeId: string, maxWaitTime: number) => [{ node_id: nodeId, max_wait_time: maxWaitTime }];

describe('systemd, docker and slurm: verify passes only when the tool answered "nothing left"', {
  timeout: SSH_TEST_TIMEOUT_MS,
}, () => {
  let scratch: string;
  let state: string;
  /** This machine as it is: systemd not PID 1, no Docker daemon, no Slurm. */
  let node: SshTestNodes;
  /** The same machine with stand-ins for systemctl, docker and squeue first on the PATH. */
  let stubbed: SshTestNodes;
  /** The same machine without Slurm's commands on the PATH (CI installs a real Slurm). */
  let withoutSlurm: SshTestNodes;
  let step: ReturnType<typeof realStep>;
  let stubStep: ReturnType<typeof realStep>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-service-verify-'));
    const stubs = pathWithStubs(join(scratch, 'bin'));
    state = stubs.state;
    node = await startOpenSshNodes(1);
    stubbed = await startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${stubs.path}`] });
    const noSlurm = pathWithout(['squeue', 'scontrol', 'scancel', 'sbatch', 'sinfo'], join(scratch, 'no-slurm'));
    withoutSlurm = await startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${noSlurm}`] });
    step = realStep(node);
    stubStep = realStep(stubbed);
  });
  afterAll(async () => {
    await step?.close();
    await stubStep?.close();
    await node?.stop();
    await stubbed?.stop();
    await withoutSlurm?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs a one-step plan through a real slice: the node must end held, not released. */
  async function drainIsHeld(ssh: SshTestNodes, graceful: Record<string, unknown>): Promise<string> {
    const s = realSlice(ssh, { graceful: [{ verifyAttempts: 1, timeoutSeconds: 60, ...graceful }] });
    const nodeId = ssh.nodes[0]!.nodeId;
    try {
      await s.slice.notifyDeletePending(pending(nodeId, 600));
      expect(await s.settled([nodeId], 150_000)).toEqual({ [nodeId]: 'held' });
      expect([...(await s.slice.notifyDeletePending(pending(nodeId, 590)))]).toEqual([]);
      return s.context(nodeId).failure ?? '';
    } finally {
      await s.stop();
    }
  }

  describe('systemd', () => {
    it.skipIf(systemdRuns)('fails, named, on a node whose PID 1 is not systemd', async () => {
      const verdict = await step.verify({ action: 'systemd', units: ['ssh.service'] });
      expect(verdict.passed).toBe(false);
      expect(verdict.detail).toMatch(/^systemd-unavailable: System has not been booted with systemd/);
    });

    it('fails while a unit is active and passes once run has stopped it', async () => {
      await writeFile(join(state, 'units'), 'app.service loaded active\nworker@1.service loaded failed\n');
      const app = { action: 'systemd', units: ['app', 'worker@1.service'] };
      expect(await stubStep.verify(app)).toEqual({ passed: false, detail: 'still-running: app.service is active' });
      await stubStep.run(app);
      expect(await stubStep.verify(app)).toEqual({ passed: true });
    });

    it('fails for a unit that does not exist, and its stop says so in the log', async () => {
      await writeFile(join(state, 'units'), 'app.service loaded active\n');
      const typo = { action: 'systemd', units: ['app.service', 'ap.service'] };
      await stubStep.run(typo);
      expect(stubStep.lines.find((l) => l.msg === 'systemctl stop failed')).toMatchObject({
        reason: 'unit-not-found',
        detail: 'exit 5: Failed to stop ap.service: Unit ap.service not loaded.',
      });
      expect(await stubStep.verify(typo)).toEqual({
        passed: false,
        detail: 'unit-not-found: ap.service: no such unit (LoadState=not-found)',
      });
    });

    it('fails for a masked unit', async () => {
      await writeFile(join(state, 'units'), 'app.service masked inactive\n');
      expect(await stubStep.verify({ action: 'systemd', units: ['app.service'] })).toEqual({
        passed: false,
        detail: 'unit-masked: app.service is masked',
      });
    });

    it('holds the node whose plan names a unit that does not exist', async () => {
      await writeFile(join(state, 'units'), 'app.service loaded active\n');
      expect(await drainIsHeld(stubbed, { action: 'systemd', units: ['ap.service'] })).toMatch(
        /verify did not pass \(unit-not-found: ap\.service/,
      );
    });
  });

  describe('docker', () => {
    it.skipIf(dockerDaemon)('fails, named, when no Docker daemon answers', async () => {
      const verdict = await step.verify({ action: 'docker' });
      expect(verdict.passed).toBe(false);
      expect(verdict.detail).toMatch(/^daemon-unreachable: Cannot connect to the Docker daemon/);
    });

    it.skipIf(dockerDaemon)('holds the node when no Docker daemon answers', async () => {
      expect(await drainIsHeld(node, { action: 'docker' })).toMatch(/\(daemon-unreachable: /);
    });

    it('fails while labelled containers run and passes once run has stopped them', async () => {
      await writeFile(
        join(state, 'containers'),
        '3f2a9c1b7d10 com.example.job=1\n9b8c7d6e5f40 com.example.job=2\n0a1b2c3d4e5f other=x\n',
      );
      const jobs = { action: 'docker', label: 'com.example.job' };
      expect(await stubStep.verify(jobs)).toEqual({
        passed: false,
        detail: 'still-running: containers running: 2 (3f2a9c1b7d10, 9b8c7d6e5f40)',
      });
      await stubStep.run(jobs);
      expect(await stubStep.verify(jobs)).toEqual({ passed: true });
      expect(await readFile(join(state, 'containers'), 'utf8')).toBe('0a1b2c3d4e5f other=x\n');
    });
  });

  describe('slurm', () => {
    it('fails, named, on a node without squeue, and holds it', async () => {
      const bare = realStep(withoutSlurm);
      try {
        expect(await bare.verify({ action: 'slurm' })).toEqual({
          passed: false,
          detail: 'tool-missing: squeue not found on the node (sh: 1: squeue: not found)',
        });
      } finally {
        await bare.close();
      }
      expect(await drainIsHeld(withoutSlurm, { action: 'slurm' })).toMatch(/\(tool-missing: squeue not found/);
    });

    it('fails while jobs run on the node and passes when none is left', async () => {
      await writeFile(join(state, 'nodes'), 'pc001\npc002\n');
      await writeFile(join(state, 'jobs'), '4242 pc001 batch train alice R 12:01\n4243 pc002 batch eval bob R 0:10\n');
      const slurm = { action: 'slurm', nodeName: '{node_id}' };
      expect(await stubStep.verify(slurm)).toEqual({
        passed: false,
        detail: 'still-running: jobs on the node: 1 (4242)',
      });
      await writeFile(join(state, 'jobs'), '4243 pc002 batch eval bob R 0:10\n');
      expect(await stubStep.verify(slurm)).toEqual({ passed: true });
    });

    it('fails for a node Slurm does not know, and when the controller cannot be reached', async () => {
      await writeFile(join(state, 'nodes'), 'pc002\n');
      await writeFile(join(state, 'jobs'), '');
      const slurm = { action: 'slurm', nodeName: '{node_id}' };
      expect(await stubStep.verify(slurm)).toEqual({
        passed: false,
        detail: 'unknown-node: squeue: error: Invalid node name pc001',
      });
      await writeFile(join(state, 'controller-down'), '');
      expect(await stubStep.verify(slurm)).toEqual({
        passed: false,
        detail: 'controller-unreachable: slurm_load_node error: Unable to contact slurm controller (connect failure)',
      });
      await rm(join(state, 'controller-down'));
    });
  });
});
