import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan } from '../../src/drain/plan.js';
import { loadPlugins } from '../../src/drain/plugins.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { killMatching } from '../helpers/local-processes.js';
import { PYTHON } from '../helpers/python.js';
import { realSlice } from '../helpers/real-slice.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';

const runId = randomBytes(4).toString('hex');
const jobs: ChildProcess[] = [];

/** A long job on a "node" (this machine); a stubborn one ignores SIGTERM. */
function startJob(name: string, options: { stubborn?: boolean; stateFile?: string } = {}): ChildProcess {
  const lines = ['import signal, sys, time'];
  if (options.stubborn) lines.push('signal.signal(signal.SIGTERM, signal.SIG_IGN)');
  lines.push('i = 0', 'while True:', '    i += 1');
  if (options.stateFile) lines.push(`    open(${JSON.stringify(options.stateFile)}, "w").write(f"step {i}\\n")`);
  lines.push('    time.sleep(0.1)');
  const job = spawn(PYTHON, ['-c', lines.join('\n'), `dynslice-job-${runId}-${name}`], { stdio: 'ignore' });
  jobs.push(job);
  return job;
}
const ended = (job: ChildProcess) => job.exitCode !== null || job.signalCode !== null;
const pending = (nodeIds: string[], maxWaitTime: number) =>
  nodeIds.map((node_id) => ({ node_id, max_wait_time: maxWaitTime }));

describe('drains over a real sshd', () => {
  let ssh: SshTestNodes;
  let scratch: string;

  beforeAll(async () => {
    ssh = await startSshNodes(6);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-drain-'));
  });
  afterEach(() => killMatching(`dynslice-job-${runId}`));
  afterAll(async () => {
    await ssh?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('escalates from TERM to KILL when a real job ignores TERM', async () => {
    const job = startJob('stubborn', { stubborn: true });
    const pattern = `dynslice-job-${runId}-stubborn`;
    const s = realSlice(ssh, {
      graceful: [{ action: 'kill', pattern, signal: 'TERM', verifyAttempts: 3, verifyIntervalSeconds: 0.3 }],
      force: [{ action: 'kill', pattern, signal: 'KILL', verifyIntervalSeconds: 0.3 }],
    });
    const nodeId = ssh.nodes[0]!.nodeId;
    await s.slice.notifyDeletePending(pending([nodeId], 120));
    expect(await s.settled([nodeId])).toEqual({ [nodeId]: 'drained' });
    expect(s.context(nodeId).escalation).toBe('failure');
    expect(ended(job)).toBe(true);
    expect(job.signalCode).toBe('SIGKILL');
    expect([...(await s.slice.notifyDeletePending(pending([nodeId], 110)))]).toEqual([nodeId]);
    await s.stop();
  });

  it('switches to the force steps at the switch point when the graceful rung takes too long', async () => {
    const job = startJob('slow');
    const pattern = `dynslice-job-${runId}-slow`;
    const s = realSlice(ssh, {
      graceful: [{ action: 'wait-idle', check: 'false', intervalSeconds: 0.5 }],
      force: [{ action: 'kill', pattern, signal: 'KILL', estimateSeconds: 5, verifyIntervalSeconds: 0.3 }],
      reserveSeconds: 5,
    });
    const nodeId = ssh.nodes[0]!.nodeId;
    const started = Date.now();
    await s.slice.notifyDeletePending(pending([nodeId], 14));
    expect(await s.settled([nodeId])).toEqual({ [nodeId]: 'drained' });
    // The switch point was 14 − (5 + 5) = 4 s after the call.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(s.context(nodeId).escalation).toBe('time');
    expect(ended(job)).toBe(true);
    await s.stop();
  });

  it('runs a plugin action loaded from examples/', async () => {
    const stateFile = join(scratch, 'job.state');
    const sharedDir = join(scratch, 'shared');
    const job = startJob('ckpt', { stateFile });
    await new Promise((r) => setTimeout(r, 300));
    const registry = new ActionRegistry();
    expect(await loadPlugins([join(import.meta.dirname, '../../examples/checkpoint-action.ts')], registry)).toEqual([
      'checkpoint',
    ]);
    const plan = compilePlan(
      drainSchema.parse({
        graceful: [{ action: 'checkpoint', job: `dynslice-job-${runId}-ckpt`, stateFile, sharedDir }],
      }),
      registry,
    );
    const s = realSlice(ssh, {}, { plan });
    const nodeId = ssh.nodes[1]!.nodeId;
    await s.slice.notifyDeletePending(pending([nodeId], 60));
    expect(await s.settled([nodeId])).toEqual({ [nodeId]: 'drained' });
    expect(ended(job)).toBe(true);
    const checkpoint = await readFile(join(sharedDir, `${nodeId}.ckpt`), 'utf8');
    expect(checkpoint).toMatch(/^step \d+\n$/);
    expect(checkpoint).toBe(await readFile(stateFile, 'utf8'));
    await s.stop();
  });

  it('each SSH fault ends its node correctly while the other nodes drain', async () => {
    const [ok, down, badUser, badHostKey, hangs, dropped] = ssh.nodes;
    // The host key recorded for one node is another node's key.
    const knownHosts = (await readFile(ssh.knownHostsPath, 'utf8')).replace(
      ssh.hostPublicKey(badHostKey!.nodeId),
      ssh.hostPublicKey(ok!.nodeId),
    );
    const knownHostsPath = join(scratch, 'known_hosts');
    await writeFile(knownHostsPath, knownHosts);
    await ssh.stopNode(down!.nodeId);
    const targets = ssh.nodes.map((n) => ({
      nodeId: n.nodeId,
      host: n.host,
      port: n.port,
      user: n === badUser ? 'no-such-user-dynslice' : n.user,
    }));
    const slow = `[ "$DYNSLICE_NODE_ID" = ${hangs!.nodeId} ] && sleep 30; [ "$DYNSLICE_NODE_ID" = ${dropped!.nodeId} ] && sleep 5; true`;
    const s = realSlice(
      ssh,
      {
        graceful: [{ action: 'command', name: 'stop', run: slow, verify: slow, timeoutSeconds: 2, verifyAttempts: 1 }],
      },
      { knownHostsPath, targets },
    );
    const ids = ssh.nodes.map((n) => n.nodeId);
    await s.slice.notifyDeletePending(pending(ids, 60));
    setTimeout(() => void ssh.dropConnections(dropped!.nodeId), 1_000);
    const states = await s.settled(ids);
    expect(states).toEqual({
      [ok!.nodeId]: 'drained',
      [down!.nodeId]: 'held',
      [badUser!.nodeId]: 'held',
      [badHostKey!.nodeId]: 'held',
      [hangs!.nodeId]: 'held',
      [dropped!.nodeId]: 'held',
    });
    expect(s.context(down!.nodeId).failure).toMatch(/unreachable/);
    expect(s.context(badUser!.nodeId).failure).toMatch(/unreachable/);
    expect(s.context(badHostKey!.nodeId).failure).toMatch(/host key/i);
    expect(s.context(hangs!.nodeId).failure).toMatch(/timeout/);
    expect(s.context(dropped!.nodeId).failure).toMatch(/connection/);
    // Only the verified node is released; the agent still answers.
    expect([...(await s.slice.notifyDeletePending(pending(ids, 50)))]).toEqual([ok!.nodeId]);
    await ssh.startNode(down!.nodeId);
    await s.stop();
  });

  it('drains 50 nodes revoked in one call against one sshd, none refused', async () => {
    const node = ssh.nodes[0]!;
    const targets = Array.from({ length: 50 }, (_, i) => ({
      nodeId: `burst${i}`,
      host: node.host,
      port: node.port,
      user: node.user,
    }));
    const s = realSlice(
      ssh,
      {
        steps: [
          {
            name: 'touch',
            run: `touch ${scratch}/burst-$DYNSLICE_NODE_ID`,
            verify: `test -f ${scratch}/burst-$DYNSLICE_NODE_ID`,
          },
        ],
      },
      { targets },
    );
    const ids = targets.map((t) => t.nodeId);
    await s.slice.notifyDeletePending(pending(ids, 120));
    const states = await s.settled(ids, 150_000);
    expect(Object.values(states).filter((v) => v !== 'drained')).toEqual([]);
    expect(s.runner.stats().connects).toBe(50);
    expect((await s.slice.notifyDeletePending(pending(ids, 110))).size).toBe(50);
    await s.stop();
  }, 180_000);
});
