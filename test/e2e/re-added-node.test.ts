import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { waitForPids } from '../helpers/local-processes.js';
import { oneNodeAgentConfig } from '../helpers/one-node-agent.js';
import { PYTHON } from '../helpers/python.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Reply {
  code: number;
  value: Array<{ node_id: string; max_wait_time: number }> | number;
  output: string;
}

const runId = randomBytes(4).toString('hex');
const marker = `dynslice-readd-${runId}`;
const GRACE_SECONDS = 10;

/** The node's job: found and stopped by the drain through its marker. */
function startJob(): ChildProcess {
  return spawn(PYTHON, ['-c', 'import time\ntime.sleep(600)', marker], { stdio: 'ignore' });
}
const ended = (job: ChildProcess) => job.exitCode !== null || job.signalCode !== null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Elastic slices lose and regain the same physical node over days: a node given back after its
 * NotifyDeleteComplete is a new node whose jobs must be drained again before it is released.
 */
describe('a node given back to the slice after its deletion', () => {
  let ssh: SshTestNodes;
  let scratch: string;
  let agent: AgentProcess | undefined;
  const jobs: ChildProcess[] = [];

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-readd-'));
  });
  afterEach(async () => {
    for (const job of jobs.splice(0)) job.kill('SIGKILL');
    await agent?.stop();
    agent = undefined;
  });
  afterAll(async () => {
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const node = () => ssh.nodes[0]!;
  const drain = {
    graceful: [{ name: 'stop-job', action: 'kill', pattern: marker, verifyAttempts: 5, verifyIntervalSeconds: 0.3 }],
    onFailure: 'hold',
  };
  const config = (stateDir: string) =>
    oneNodeAgentConfig(ssh, drain, join(scratch, stateDir), { deletedGraceSeconds: GRACE_SECONDS });
  const call = async (method: string, nodelist: unknown[]): Promise<Reply> => {
    const [outcome] = await callWithPython(agent!.url, [{ method, params: [{ nodelist }] }]);
    if (!outcome || outcome.fault) throw new Error(`${method}: ${JSON.stringify(outcome?.fault)}`);
    return outcome.result as Reply;
  };
  const countdown = (maxWaitTime: number) =>
    call('NotifyDeletePending', [{ node_id: node().nodeId, client_id: node().clientId, max_wait_time: maxWaitTime }]);
  const released = (reply: Reply) => Array.isArray(reply.value) && reply.value[0]?.max_wait_time === 0;
  const deleteComplete = () =>
    call('NotifyDeleteComplete', [{ node_id: node().nodeId, client_id: node().clientId, max_wait_time: 0 }]);

  /** Countdown calls until the node is reported released; the reply that released it. */
  async function countdownUntilReleased(maxWaitTime: number): Promise<number> {
    for (let tick = 0; tick < 60; tick += 1) {
      if (released(await countdown(maxWaitTime - tick))) return tick;
      await sleep(500);
    }
    throw new Error('the node was never released');
  }

  /** The first incarnation: revoked, drained (its job stopped), deleted. */
  async function firstIncarnationDeleted(): Promise<void> {
    const job = startJob();
    jobs.push(job);
    expect(await waitForPids(marker, true, 10_000, false)).toBe(true);
    await countdownUntilReleased(300);
    expect(ended(job)).toBe(true);
    expect((await deleteComplete()).code).toBe(0);
  }

  it('drains again when SetResourceValues lists the node with its client_id', async () => {
    agent = await startAgentProcess(scratch, config('state-values'));
    await firstIncarnationDeleted();
    const job = startJob();
    jobs.push(job);
    expect(await waitForPids(marker, true, 10_000, false)).toBe(true);
    await call('SetResourceValues', [{ node_id: node().nodeId, client_id: node().clientId, value: 0.2 }]);

    expect(released(await countdown(300))).toBe(false);
    await countdownUntilReleased(299);
    expect(ended(job)).toBe(true);
    await agent.waitFor((l) => l.msg === 'node state changed' && l.to === 'drained' && l.incarnation === 2);
  });

  it('a late repeat of the deletion stays deleted; a countdown after the grace period drains again', async () => {
    agent = await startAgentProcess(scratch, config('state-grace'));
    await firstIncarnationDeleted();
    const deletedAt = Date.now();
    // The same deletion, late: the node is gone, the agent neither drains nor resurrects it.
    expect(released(await countdown(0))).toBe(true);
    const job = startJob();
    jobs.push(job);
    expect(await waitForPids(marker, true, 10_000, false)).toBe(true);
    expect(released(await countdown(0))).toBe(true);
    await sleep(1_000);
    expect(ended(job)).toBe(false);
    expect(Date.now() - deletedAt).toBeLessThan(GRACE_SECONDS * 1000);

    await sleep(deletedAt + GRACE_SECONDS * 1000 + 500 - Date.now());
    expect(released(await countdown(300))).toBe(false);
    await countdownUntilReleased(299);
    expect(ended(job)).toBe(true);
  });

  it('a restarted agent knows the node was deleted and drains its next incarnation', async () => {
    agent = await startAgentProcess(scratch, config('state-restart'));
    await firstIncarnationDeleted();
    await agent.stop();
    agent = await startAgentProcess(scratch, config('state-restart'));
    const job = startJob();
    jobs.push(job);
    expect(await waitForPids(marker, true, 10_000, false)).toBe(true);
    await call('SetResourceValues', [{ node_id: node().nodeId, client_id: node().clientId, value: 0.2 }]);

    expect(released(await countdown(300))).toBe(false);
    // Restarted again mid-drain of the second incarnation: it is restored as that incarnation.
    await agent.stop();
    agent = await startAgentProcess(scratch, config('state-restart'));
    await countdownUntilReleased(299);
    expect(ended(job)).toBe(true);
    await agent.waitFor((l) => l.msg === 'node state changed' && l.to === 'drained' && l.incarnation === 2);
  });
});
