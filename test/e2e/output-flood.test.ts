import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { killMatching } from '../helpers/local-processes.js';
import { oneNodeAgentConfig } from '../helpers/one-node-agent.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { tickWithPython } from '../helpers/xmlrpc-python.js';

const runId = randomBytes(4).toString('hex');
const FLOOD = `dynslice-flood-${runId}`;
const FLOOD_SECONDS = 30;
/** The bound docs/limits.md gives for one node flooding: head and tail per stream, one SSH window, the agent itself. */
const RSS_LIMIT_MB = 200;

/** VmRSS of a process in MB, or undefined once it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('a drain step that prints endlessly', () => {
  let ssh: SshTestNodes;
  let scratch: string;
  let agent: AgentProcess;

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-flood-'));
    const flood = {
      name: 'flood',
      run: `yes ${FLOOD}`,
      // Anchored: the verify's own shell, whose command line holds the pattern, does not match.
      verify: `! pgrep -f '^yes ${FLOOD}$'`,
      timeoutSeconds: FLOOD_SECONDS,
      verifyAttempts: 3,
      verifyIntervalSeconds: 1,
    };
    agent = await startAgentProcess(scratch, oneNodeAgentConfig(ssh, { steps: [flood] }, join(scratch, 'state')));
  });

  afterAll(async () => {
    await agent?.kill();
    killMatching(FLOOD);
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it(
    'leaves the agent answering every countdown call, its memory bounded, and the step reaching its verify',
    async () => {
      expect(ssh.kind).toBe('openssh');
      const node = ssh.nodes[0]!;
      const pid = agent.child.pid!;
      const cpuBefore = cpuSeconds(pid);
      const started = Date.now();
      let diedAfter: number | undefined;
      agent.child.once('exit', () => (diedAfter = Date.now() - started));
      const rssBefore = rssMb(pid) ?? 0;
      let peakRss = rssBefore;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid) ?? 0)), 200);
      const nodelist = [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: 300 }];
      const ticks = await tickWithPython(
        agent.url,
        { method: 'NotifyDeletePending', params: [{ nodelist }] },
        { everySeconds: 0.5, count: (FLOOD_SECONDS + 6) * 2 },
      );
      const settled = await agent
        .waitFor((l) => l.msg === 'node state changed' && (l.to === 'drained' || l.to === 'held'), 30_000)
        .catch(() => undefined);
      clearInterval(sampler);
      const alive = agent.child.exitCode === null && agent.child.signalCode === null;
      const ms = ticks.map((t) => t.ms);
      const run = agent.lines.find((l) => l.msg === 'drain command finished' && l.phase === 'run');
      console.info(
        `flood ${FLOOD_SECONDS} s: ${ticks.length} calls, reply median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; ` +
          `RSS ${rssBefore.toFixed(0)} MB before, peak ${peakRss.toFixed(0)} MB; agent CPU ${(cpuSeconds(pid) - cpuBefore).toFixed(1)} s; ` +
          `unkept output ${JSON.stringify(run?.truncated)}; node ${String(settled?.to)}; ` +
          `${alive ? 'alive' : `died after ${diedAfter} ms`}; ${ticks.filter((t) => t.result === undefined).length} calls unanswered`,
      );

      expect(alive).toBe(true);
      expect(ticks.filter((t) => t.result === undefined)).toEqual([]);
      for (const tick of ticks) expect(tick.result).toMatchObject({ code: 0 });
      expect(median(ms)).toBeLessThan(100);
      expect(Math.max(...ms)).toBeLessThan(2_000);
      expect(peakRss).toBeLessThan(RSS_LIMIT_MB);
      // The remote timeout ended the flood, whose output was counted, not kept; the verify then found it gone.
      expect(run).toMatchObject({
        code: 124,
        failure: 'timeout',
        truncated: { stdout: expect.any(Number), stderr: 0 },
      });
      expect(settled?.to).toBe('drained');
    },
    (FLOOD_SECONDS + 90) * 1000,
  );
});
