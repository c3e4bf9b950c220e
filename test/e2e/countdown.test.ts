import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { PYTHON } from '../helpers/python.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { callWithPython, decodeWithPython, type PythonOutcome } from '../helpers/xmlrpc-python.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';

interface Entry {
  node_id: string;
  client_id: string;
  max_wait_time: number;
}
interface Tick {
  via: 'python' | 'perl';
  sentAt: number;
  answeredAt: number;
  reply: { code: number; value: Entry[]; output: string };
}

const runId = randomBytes(4).toString('hex');
const marker = (clientId: string) => `dynslice-e2e-${runId}-${clientId}`;

/** A job on a "node" (this machine); the stubborn one ignores SIGTERM, so its drain never verifies. */
function startJob(clientId: string, stubborn: boolean): ChildProcess {
  const code = `import signal, time\n${stubborn ? 'signal.signal(signal.SIGTERM, signal.SIG_IGN)\n' : ''}time.sleep(600)`;
  return spawn(PYTHON, ['-c', code, marker(clientId)], { stdio: 'ignore' });
}

describe('a whole countdown against real sshd nodes and an independent caller', () => {
  let ssh: SshTestNodes;
  let agent: AgentProcess;
  let scratch: string;
  const jobs: ChildProcess[] = [];
  const python = async (method: string, params?: unknown): Promise<PythonOutcome> =>
    (await callWithPython(agent.url, [{ method, params: params === undefined ? [] : [params] }]))[0]!;
  /** The Perl-style caller (HTTP/1.0, `<i4>`, untyped strings); its reply read by Python. */
  const perl = async (method: string, params?: PerlValue): Promise<unknown> => {
    const reply = await postXml(agent.port, perlMethodCall(method, params === undefined ? [] : [params]));
    expect(reply.status).toBe(200);
    const [outcome] = await decodeWithPython([reply.body]);
    if (outcome?.fault) throw new Error(JSON.stringify(outcome.fault));
    return outcome?.result;
  };
  const ticks: Tick[] = [];

  beforeAll(async () => {
    ssh = await startSshNodes(3);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-e2e-'));
    for (const [i, node] of ssh.nodes.entries()) jobs.push(startJob(node.clientId, i === 2));
    agent = await startAgentProcess(scratch, {
      endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
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
            name: 'stop-jobs',
            run: `echo "$DYNSLICE_NODE_ID $DYNSLICE_CLIENT_ID $DYNSLICE_DEADLINE" >> ${scratch}/ran-$DYNSLICE_NODE_ID.log; pkill -f "dynslice-e2e-${runId}-$DYNSLICE_CLIENT_ID"; true`,
            verify: `! pgrep -f "dynslice-e2e-${runId}-$DYNSLICE_CLIENT_ID"`,
            timeoutSeconds: 10,
            verifyAttempts: 3,
            verifyIntervalSeconds: 0.5,
          },
        ],
        bestEffortSeconds: 2,
        onFailure: 'hold',
      },
      state: { dir: join(scratch, 'state') },
    });
  });

  afterAll(async () => {
    for (const job of jobs) job.kill('SIGKILL');
    await agent?.stop();
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const entries = (maxWaitTime: number) =>
    ssh.nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, max_wait_time: maxWaitTime }));

  async function pending(nodelist: Entry[], via: Tick['via']): Promise<Tick> {
    const sentAt = Date.now();
    let reply: Tick['reply'];
    if (via === 'python') {
      const answer = await python('NotifyDeletePending', { nodelist });
      if (answer.fault) throw new Error(JSON.stringify(answer.fault));
      reply = answer.result as Tick['reply'];
    } else {
      reply = (await perl('NotifyDeletePending', { nodelist } as unknown as PerlValue)) as Tick['reply'];
    }
    const tick = { via, sentAt, answeredAt: Date.now(), reply };
    ticks.push(tick);
    return tick;
  }

  const releasedIn = (tick: Tick) => tick.reply.value.filter((e) => e.max_wait_time === 0).map((e) => e.node_id);

  it('GetVersion answers 1.0 to both callers', async () => {
    expect(await python('GetVersion')).toEqual({ result: { code: 0, value: 0, output: '1.0' } });
    expect(await perl('GetVersion')).toEqual({ code: 0, value: 0, output: '1.0' });
  });

  it('SetResourceValues is accepted from the Perl-style caller, including a value of exactly 1', async () => {
    const nodelist = ssh.nodes.map((n, i) => ({ node_id: n.nodeId, client_id: n.clientId, value: i === 0 ? 1 : 0.5 }));
    expect(
      await perl('SetResourceValues', { nodelist: [...nodelist, { node_id: 'pc999', value: 0.1 }] }),
    ).toMatchObject({ code: 0 });
  });

  it('drains the nodes over SSH and releases each in the first countdown reply after its verify passed', async () => {
    const [n0, n1, n2] = ssh.nodes;
    const released = new Map<string, number>();
    for (let i = 0; i < 15 && released.size < 2; i += 1) {
      const tick = await pending(entries(60 - i), i % 2 === 0 ? 'python' : 'perl');
      expect(tick.reply.code).toBe(0);
      expect(tick.reply.value.map((e) => e.node_id)).toEqual(ssh.nodes.map((n) => n.nodeId));
      for (const e of tick.reply.value) {
        if (e.max_wait_time !== 0) expect(e.max_wait_time).toBe(60 - i);
        if (e.max_wait_time === 0 && !released.has(e.node_id)) released.set(e.node_id, ticks.length - 1);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect([...released.keys()].sort()).toEqual([n0!.nodeId, n1!.nodeId]);

    for (const node of [n0!, n1!]) {
      const drained = await agent.waitFor(
        (l) => l.msg === 'node state changed' && l.nodeId === node.nodeId && l.to === 'drained',
        1,
      );
      const first = released.get(node.nodeId)!;
      // Released no later than the reply that followed verification, and not before verification.
      expect(drained.time).toBeLessThanOrEqual(ticks[first]!.answeredAt);
      if (first > 0) expect(drained.time).toBeGreaterThanOrEqual(ticks[first - 1]!.sentAt);
      // The commands really ran on the node, with the node's facts in their environment.
      const ran = await readFile(join(scratch, `ran-${node.nodeId}.log`), 'utf8');
      expect(ran).toMatch(new RegExp(`^${node.nodeId} ${node.clientId} \\d{10}\\n`));
    }
    expect(jobs[0]!.exitCode !== null || jobs[0]!.signalCode !== null).toBe(true);
    expect(jobs[1]!.exitCode !== null || jobs[1]!.signalCode !== null).toBe(true);

    // The stubborn node's verify never passed: held, never released while the cluster could wait.
    for (const tick of ticks) expect(releasedIn(tick)).not.toContain(n2!.nodeId);
    const held = await agent.waitFor((l) => l.nodeId === n2!.nodeId && l.to === 'held', 10_000);
    expect(String(held.failure)).toMatch(/verify did not pass/);
    expect(jobs[2]!.exitCode).toBeNull();
  });

  it('max_wait_time 0 releases the held node in that same reply', async () => {
    const n2 = ssh.nodes[2]!;
    const tick = await pending([{ node_id: n2.nodeId, client_id: n2.clientId, max_wait_time: 0 }], 'python');
    expect(tick.reply.value).toEqual([{ node_id: n2.nodeId, client_id: n2.clientId, max_wait_time: 0 }]);
  });

  it('NotifyDeleteComplete ends every node; the unverified one is recorded as work lost', async () => {
    const answer = await python('NotifyDeleteComplete', { nodelist: entries(0) });
    expect(answer).toMatchObject({ result: { code: 0 } });
    for (const node of ssh.nodes) {
      await agent.waitFor((l) => l.nodeId === node.nodeId && l.to === 'deleted', 5_000);
    }
    const lost = agent.lines.filter((l) => l.msg.includes('work lost')).map((l) => l.nodeId);
    expect(lost).toEqual([ssh.nodes[2]!.nodeId]);
    // A later countdown naming a deleted node reports it released.
    const after = await pending(entries(30), 'perl');
    expect(releasedIn(after).sort()).toEqual(ssh.nodes.map((n) => n.nodeId).sort());
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await agent.stop()).toBe(0);
    expect(agent.lines.some((l) => l.level >= 50)).toBe(false);
    expect(existsSync(join(scratch, 'state'))).toBe(true);
  });
});
