import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { killMatching, uniqueSleep } from '../helpers/local-processes.js';
import { oneNodeAgentConfig } from '../helpers/one-node-agent.js';
import { SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Entry {
  node_id: string;
  client_id: string;
  max_wait_time: number;
}

describe('a kill step for a user the node does not know', { timeout: SSH_TEST_TIMEOUT_MS }, () => {
  let ssh: SshTestNodes;
  let agent: AgentProcess;
  let scratch: string;
  let job: ChildProcess;
  const pattern = `sleep ${uniqueSleep(600)}`;

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-e2e-kill-user-'));
    job = spawn('sleep', [pattern.slice('sleep '.length)], { stdio: 'ignore' });
    const drain = {
      graceful: [
        { action: 'kill', pattern, user: 'nosuchuser', signal: 'KILL', verifyAttempts: 2, verifyIntervalSeconds: 0.5 },
      ],
      onFailure: 'hold',
    };
    agent = await startAgentProcess(scratch, oneNodeAgentConfig(ssh, drain, join(scratch, 'state')));
  });
  afterAll(async () => {
    killMatching(pattern);
    await agent?.stop();
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function countdown(maxWaitTime: number): Promise<Entry[]> {
    const node = ssh.nodes[0]!;
    const nodelist = [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: maxWaitTime }];
    const [answer] = await callWithPython(agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    if (answer?.fault) throw new Error(JSON.stringify(answer.fault));
    return (answer?.result as { value: Entry[] } | undefined)?.value ?? [];
  }

  it('holds the node, naming the bad user, and never reports it released while its job runs', async () => {
    const nodeId = ssh.nodes[0]!.nodeId;
    const first = await countdown(600);
    const held = await agent.waitFor((l) => l.nodeId === nodeId && l.to === 'held', 150_000);
    expect(String(held.failure)).toMatch(/verify did not pass \(bad-user: pgrep: invalid user name: nosuchuser\)/);
    const later = await countdown(590);
    expect(first.map((e) => e.max_wait_time)).toEqual([600]);
    expect(later.map((e) => e.max_wait_time)).toEqual([590]);
    expect(agent.lines.some((l) => l.nodeId === nodeId && l.to === 'drained')).toBe(false);
    expect(job.exitCode === null && job.signalCode === null).toBe(true);
  });
});
