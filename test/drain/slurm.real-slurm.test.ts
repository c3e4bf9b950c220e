import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { realSlice } from '../helpers/real-slice.js';
import { realStep, SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import { eventually, type RealSlurm, slurmRuns, startSlurm } from '../helpers/slurm.js';
import type { SshTestNodes } from '../helpers/sshd.js';

const pending = (nodeId: string, maxWaitTime: number) => [{ node_id: nodeId, max_wait_time: maxWaitTime }];

// A real Slurm (slurmctld, slurmd, munged from Debian's slurm-wlm and munge) on this machine, and a
// real sshd whose sessions read its slurm.conf: the `slurm` action drains the machine's own node.
describe.skipIf(!slurmRuns())('the slurm action against a real Slurm', { timeout: SSH_TEST_TIMEOUT_MS }, () => {
  let slurm: RealSlurm;
  let ssh: SshTestNodes;

  beforeAll(async () => {
    slurm = await startSlurm();
    ssh = await startOpenSshNodes(1, { extraConfig: [`SetEnv SLURM_CONF=${slurm.conf}`] });
  });
  afterAll(async () => {
    await ssh?.stop();
    await slurm?.stop();
  });

  /** Submits a batch job; its id. */
  const submit = (script: string, ...options: string[]): string =>
    slurm.run('sbatch', ['--parsable', '-o', '/dev/null', ...options, '--wrap', script]).trim();
  const jobState = (id: string): string => slurm.run('squeue', ['-h', '-j', id, '-o', '%T %r']).trim();
  const nodeState = (): string => slurm.run('sinfo', ['-h', '-n', slurm.nodeName, '-o', '%T']).trim();
  /** The node back in service, no job left: each test starts from an idle node. */
  async function resume(): Promise<void> {
    slurm.run('scancel', ['--full', '-w', slurm.nodeName]);
    for (const id of slurm.run('squeue', ['-h', '-o', '%A']).split('\n').filter(Boolean)) slurm.run('scancel', [id]);
    slurm.run('scontrol', ['update', `nodename=${slurm.nodeName}`, 'state=RESUME']);
    expect(await eventually(() => nodeState() === 'idle' && slurm.run('squeue', ['-h']).trim() === '')).toBe(true);
  }
  /** Drains the node with one slurm step through a real slice; the slice, to read the node from. */
  function drain(options: Record<string, unknown>) {
    const step = { action: 'slurm', verifyAttempts: 60, verifyIntervalSeconds: 1, timeoutSeconds: 60, ...options };
    return realSlice(ssh, { graceful: [step] });
  }

  it('stops new jobs landing, lets the running one finish, and releases the node only then', async () => {
    const finished = join(slurm.dir, 'job-a.finished');
    const running = submit(`sleep 6; touch ${finished}`);
    expect(await eventually(() => jobState(running).startsWith('RUNNING'))).toBe(true);
    const s = drain({});
    const nodeId = ssh.nodes[0]!.nodeId;
    try {
      const reply = await s.slice.notifyDeletePending(pending(nodeId, 600));
      expect([...reply]).toEqual([]);
      // The run step marked it DRAIN: a job submitted now waits, it never lands on the node.
      expect(await eventually(() => ['draining', 'drained'].includes(nodeState()))).toBe(true);
      const late = submit('true');
      expect(jobState(running)).toMatch(/^RUNNING/);
      expect(s.slice.isReleased(nodeId)).toBe(false);
      expect(await s.settled([nodeId], 60_000)).toEqual({ [nodeId]: 'drained' });
      // Released after the job finished, and with the late job still waiting.
      expect(existsSync(finished)).toBe(true);
      expect(jobState(late)).toMatch(/^PENDING/);
      expect(nodeState()).toBe('drained');
      expect([...(await s.slice.notifyDeletePending(pending(nodeId, 590)))]).toEqual([nodeId]);
    } finally {
      await s.stop();
      await resume();
    }
  });

  it.each(['requeue', 'cancel'] as const)(
    'as force, %s takes the running job off the node, then releases it',
    async (jobs) => {
      const running = submit('sleep 300', '--requeue');
      expect(await eventually(() => jobState(running).startsWith('RUNNING'))).toBe(true);
      const s = drain({ jobs });
      const nodeId = ssh.nodes[0]!.nodeId;
      try {
        await s.slice.notifyDeletePending(pending(nodeId, 600));
        expect(await s.settled([nodeId], 60_000)).toEqual({ [nodeId]: 'drained' });
        // Requeued: waiting again, for another node; cancelled: gone from the queue.
        const after = slurm.run('squeue', ['-h', '-j', running, '-o', '%T']).trim();
        expect(jobs === 'requeue' ? after : after || 'gone').toBe(jobs === 'requeue' ? 'PENDING' : 'gone');
      } finally {
        await s.stop();
        await resume();
      }
    },
  );

  it('fails the verify for a node Slurm does not know, and when the controller cannot be reached', async () => {
    const step = realStep(ssh);
    try {
      expect(await step.verify({ action: 'slurm', nodeName: 'nosuchnode' })).toEqual({
        passed: false,
        detail: 'unknown-node: squeue: error: Invalid node name nosuchnode',
      });
      expect(await step.verify({ action: 'slurm' })).toEqual({ passed: true });
      await slurm.stopController();
      const unreachable = await step.verify({ action: 'slurm' });
      expect(unreachable.passed).toBe(false);
      expect(unreachable).toMatchObject({ detail: expect.stringMatching(/^controller-unreachable: /) });
    } finally {
      await step.close();
    }
  });
});
