import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { HostilePeers } from '../helpers/hostile-peers.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { callWithPython, type PythonCall } from '../helpers/xmlrpc-python.js';

const ATTACKER = '127.0.0.2';
const SLOW_SENDERS = 64;
const IDLE_WANTED = 5000;
/** Sockets this process keeps for itself besides the attack (Python callers, vitest, the agent's pipes). */
const FD_RESERVE = 500;
const CLUSTER_CALLS = 6;
/** Each call of the cluster must be answered within this, Python's start included (over 1 s alone on a busy 2-core machine). */
const CALL_WITHIN_MS = 10_000;
const RAMP_MS = 3000;
const NODES = ['pc1', 'pc2', 'pc3'];

/** The soft limit on open files of this process (Node cannot raise it). */
function openFilesLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return line === undefined || line === 'unlimited' ? Infinity : Number(line);
}
const rssMiB = (pid: number): number =>
  Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const openFiles = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clusterCall = (i: number): PythonCall =>
  [
    { method: 'GetVersion' },
    { method: 'SetResourceValues', params: [{ nodelist: NODES.map((id) => ({ node_id: id, value: 0.5 })) }] },
    { method: 'NotifyDeletePending', params: [{ nodelist: NODES.map((id) => ({ node_id: id, max_wait_time: 600 })) }] },
  ][i % 3]!;

describe('the cluster’s calls get through while 64 slow senders and 5,000 idle connections are attached', () => {
  const idleConnections = Math.min(IDLE_WANTED, openFilesLimit() - FD_RESERVE);
  let pki: TestPki;
  let scratch: string;
  const agents: AgentProcess[] = [];
  const attacks: HostilePeers[] = [];
  beforeAll(async () => {
    pki = await createTestPki();
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-hostile-'));
    if (idleConnections < IDLE_WANTED)
      console.info(`hostile peers: open-files limit ${openFilesLimit()}: ${idleConnections} idle connections`);
  });
  afterAll(async () => {
    for (const attack of attacks) attack.stop();
    await Promise.all(agents.map((agent) => agent.stop()));
    await pki?.remove();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it.each([
    ['plain HTTP', false],
    ['HTTPS', true],
  ])('over %s, with the default endpoint limits', async (name, tls) => {
    const agent = await startAgentProcess(await mkdtemp(join(scratch, 'agent-')), {
      endpoint: {
        listen: '127.0.0.1:0',
        ...(tls ? { tls: { cert: pki.server.certPath, key: pki.server.keyPath } } : {}),
      },
      nodes: NODES.map((id, i) => ({ node_id: id, client_id: `node${i + 1}`, host: `${id}.test` })),
      drain: { steps: [{ name: 'stop-jobs', run: 'pkill job', verify: '! pgrep job' }] },
      dryRun: true,
      state: { dir: join(scratch, `state-${name.replace(' ', '-')}`) },
    });
    agents.push(agent);
    const pid = agent.child.pid!;
    const cafile = tls ? pki.server.certPath : undefined;
    const callAll = async (): Promise<Array<{ ms: number; outcome: unknown }>> => {
      const calls: Array<{ ms: number; outcome: unknown }> = [];
      for (let i = 0; i < CLUSTER_CALLS; i += 1) {
        const started = performance.now();
        const outcome = await callWithPython(agent.url, [clusterCall(i)], { cafile }).then(
          ([answer]) => answer,
          (error: Error) => error.message.slice(-200),
        );
        calls.push({ ms: Math.round(performance.now() - started), outcome });
        await sleep(500);
      }
      return calls;
    };
    const quiet = await callAll();
    const before = { rss: rssMiB(pid), files: openFiles(pid) };
    const peak = { ...before };
    const sampler = setInterval(() => {
      peak.rss = Math.max(peak.rss, rssMiB(pid));
      peak.files = Math.max(peak.files, openFiles(pid));
    }, 200);
    const attack = new HostilePeers({
      port: agent.port,
      tls,
      localAddress: ATTACKER,
      slowSenders: SLOW_SENDERS,
      idleConnections,
      path: '/dynslice',
    });
    attacks.push(attack);
    try {
      attack.start();
      await sleep(RAMP_MS);
      const calls = await callAll();
      const { connects, closedUnanswered, answers } = attack.counts;
      const msOf = (list: Array<{ ms: number }>) => list.map((call) => call.ms).join(', ');
      const answered = agent.lines
        .filter((line) => line.msg === 'xml-rpc call answered')
        .map((line) => ({ ms: Number(line.ms) }));
      console.info(
        `hostile peers over ${name}: agent RSS ${before.rss.toFixed(1)} MiB before, at most ${peak.rss.toFixed(1)} MiB during; ` +
          `open files ${before.files} before, at most ${peak.files} during; attackers: ${connects} connects, ` +
          `${closedUnanswered} closed unanswered, answers ${JSON.stringify(answers)}; ` +
          `cluster calls (ms, Python's start included): ${msOf(quiet)} before, ${msOf(calls)} during; ` +
          `the agent's own time for them (ms): ${msOf(answered.slice(0, CLUSTER_CALLS))} before, ${msOf(answered.slice(CLUSTER_CALLS))} during`,
      );
      for (const call of [...quiet, ...calls]) {
        expect(call.outcome).toMatchObject({ result: { code: 0 } });
        expect(call.ms).toBeLessThan(CALL_WITHIN_MS);
      }
      // The attack really happened: every idle connection was tried, and the agent turned attackers away.
      expect(connects).toBeGreaterThanOrEqual(idleConnections + SLOW_SENDERS);
      expect(closedUnanswered + (answers[503] ?? 0)).toBeGreaterThan(idleConnections / 2);
    } finally {
      clearInterval(sampler);
      attack.stop();
    }
  });
});
