import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { waitForPids } from '../helpers/local-processes.js';
import { manifestXml } from '../helpers/manifest-xml.js';
import { sshLoginOf } from '../helpers/one-node-agent.js';
import { PYTHON } from '../helpers/python.js';
import { type SshTestNode, type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Entry {
  node_id: string;
  client_id: string;
  max_wait_time: number;
}

const runId = randomBytes(4).toString('hex');
const marker = `dynslice-identity-${runId}`;
const GRACE_SECONDS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ended = (job: ChildProcess) => job.exitCode !== null || job.signalCode !== null;

/**
 * Which node a call names, and which life of it, decided on evidence only, through the built agent
 * with a manifest read by a command that can be made to fail (as `geni-get manifest` fails when it
 * cannot reach the cluster), real sshd nodes and Python's xmlrpc.client as the cluster.
 */
describe('which node, which life: a manifest read that fails, a lost deletion, a restart', () => {
  let ssh: SshTestNodes;
  let scratch: string;
  let agent: AgentProcess | undefined;
  const jobs: ChildProcess[] = [];

  beforeAll(async () => {
    ssh = await startSshNodes(3);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-identity-'));
  });
  afterEach(async () => {
    await rm(failFlag(), { force: true });
    for (const job of jobs.splice(0)) job.kill('SIGKILL');
    await agent?.stop();
    agent = undefined;
  });
  afterAll(async () => {
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const manifestFile = () => join(scratch, 'manifest.xml');
  const failFlag = () => join(scratch, 'geni-get-fails');
  const list = (nodes: SshTestNode[]) => writeFile(manifestFile(), manifestXml(nodes.map((n) => ({ ...n }))));
  const config = (stateDir: string) => ({
    endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
    ssh: sshLoginOf(ssh),
    nodes: {
      // `geni-get manifest`, failing while the flag file exists.
      manifest: {
        command: `if test -e '${failFlag()}'; then echo 'geni-get: cannot reach the cluster' >&2; exit 1; fi; cat '${manifestFile()}'`,
      },
      reloadSeconds: 0,
    },
    unknownNodes: 'release',
    deletedGraceSeconds: GRACE_SECONDS,
    drain: {
      graceful: [{ name: 'stop-job', action: 'kill', pattern: marker, verifyAttempts: 5, verifyIntervalSeconds: 0.3 }],
      onFailure: 'hold',
    },
    state: { dir: join(scratch, stateDir) },
  });

  async function call(method: string, nodelist: unknown[]): Promise<{ code: number; value: unknown }> {
    const [outcome] = await callWithPython(agent!.url, [{ method, params: [{ nodelist }] }]);
    if (!outcome || outcome.fault) throw new Error(`${method}: ${JSON.stringify(outcome?.fault)}`);
    return outcome.result as { code: number; value: unknown };
  }
  async function countdown(node: SshTestNode, maxWaitTime: number): Promise<boolean> {
    const reply = await call('NotifyDeletePending', [
      { node_id: node.nodeId, client_id: node.clientId, max_wait_time: maxWaitTime },
    ]);
    expect(reply.code).toBe(0);
    return (reply.value as Entry[])[0]!.max_wait_time === 0;
  }
  /** Countdown calls half a second apart (bounded) until the node is released; each reply before it was kept. */
  async function untilReleased(node: SshTestNode, from: number): Promise<void> {
    for (let tick = 0; tick < 60; tick += 1) {
      if (await countdown(node, from - tick)) return;
      await sleep(500);
    }
    throw new Error(`${node.nodeId} was never released`);
  }
  /** The node's job, stopped only by the drain (its marker). */
  async function startJob(): Promise<ChildProcess> {
    const job = spawn(PYTHON, ['-c', 'import time\ntime.sleep(600)', marker], { stdio: 'ignore' });
    jobs.push(job);
    expect(await waitForPids(marker, true, 10_000, false)).toBe(true);
    return job;
  }

  it('a manifest read that fails releases nothing: the node waits, kept, until a read lists it, then drains', async () => {
    const [n0, n1] = ssh.nodes;
    await list([n0!]);
    agent = await startAgentProcess(scratch, config('state-read-fails'));
    const job = await startJob();
    await writeFile(failFlag(), '');
    // The node was just given to the slice; the manifest cannot be read.
    expect(await countdown(n1!, 200)).toBe(false);
    await agent.waitFor((l) => l.msg === 'node list re-read failed: the node list is unchanged');
    for (let tick = 1; tick <= 3; tick += 1) {
      expect(await countdown(n1!, 200 - tick)).toBe(false);
      await sleep(300);
    }
    expect(ended(job)).toBe(false);
    // The cluster's manifest lists it, and reads work again: the next call's read says what it is.
    await list([n0!, n1!]);
    await unlink(failFlag());
    await untilReleased(n1!, 190);
    expect(ended(job)).toBe(true);
    await agent.waitFor((l) => l.msg === 'node state changed' && l.nodeId === n1!.nodeId && l.to === 'drained');
  }, 120_000);

  it('a node taken without its NotifyDeleteComplete and given back drains again before it is released', async () => {
    const [n0, n1] = ssh.nodes;
    await list([n0!, n1!]);
    agent = await startAgentProcess(scratch, config('state-lost-deletion'));
    await untilReleased(n0!, 200);
    // The cluster takes n0 and its NotifyDeleteComplete never arrives; a read sees it gone.
    await list([n1!]);
    agent.child.kill('SIGHUP');
    await agent.waitFor((l) => l.msg === 'node list read' && l.reason === 'signal');
    // Given back, with a job; revoked again: a new life, kept until its job is stopped.
    await list([n0!, n1!]);
    const job = await startJob();
    expect(await countdown(n0!, 200)).toBe(false);
    await untilReleased(n0!, 199);
    expect(ended(job)).toBe(true);
    await agent.waitFor(
      (l) => l.msg === 'node state changed' && l.nodeId === n0!.nodeId && l.to === 'drained' && l.incarnation === 2,
    );
    const taken = (l: { msg: string; nodeId?: unknown }) =>
      l.msg === 'node taken without its NotifyDeleteComplete: deleted' && l.nodeId === n0!.nodeId;
    expect(agent.lines.filter(taken)).toHaveLength(1);
  }, 120_000);

  it('a deleted node the manifest no longer lists at a restart, given back before the next read, drains again', async () => {
    const [n0, , n2] = ssh.nodes;
    await list([n0!, n2!]);
    agent = await startAgentProcess(scratch, config('state-restart'));
    await untilReleased(n2!, 200);
    expect(
      (await call('NotifyDeleteComplete', [{ node_id: n2!.nodeId, client_id: n2!.clientId, max_wait_time: 0 }])).code,
    ).toBe(0);
    await agent.stop();
    // Restarted while the manifest no longer lists it; given back to the slice right after.
    await list([n0!]);
    agent = await startAgentProcess(scratch, config('state-restart'));
    await list([n0!, n2!]);
    const job = await startJob();
    await sleep(GRACE_SECONDS * 1000 + 500);
    // Revoked (LIFO: the newest node first) before any timed read: looked up, a new life, kept.
    expect(await countdown(n2!, 200)).toBe(false);
    await untilReleased(n2!, 199);
    expect(ended(job)).toBe(true);
    await agent.waitFor(
      (l) => l.msg === 'node state changed' && l.nodeId === n2!.nodeId && l.to === 'drained' && l.incarnation === 2,
    );
  }, 120_000);
});
