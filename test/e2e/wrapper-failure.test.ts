import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { killMatching, uniqueSleep, waitForPids } from '../helpers/local-processes.js';
import { pathWithout } from '../helpers/node-path.js';
import { oneNodeAgentConfig } from '../helpers/one-node-agent.js';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import type { SshTestNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

/** An older BusyBox `timeout`: it rejects `-k` with its usage text and exits 1, what pgrep exits when nothing matches. */
const OLD_TIMEOUT = `#!/bin/sh
echo "timeout: invalid option -- 'k'" >&2
echo "BusyBox v1.22.1 multi-call binary. Usage: timeout [-t SECS] [-s SIG] PROG ARGS" >&2
exit 1
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A check proves something only if it ran. On a node whose `timeout` refuses the wrapper's options,
 * kill's verify would read the wrapper's exit 1 as "no process left": the node must be held with the
 * wrapper's failure named, never released, and its job left running (nothing of the drain ran).
 */
describe('a node whose timeout refuses the wrapper (real sshd, the built agent)', () => {
  let scratch: string;
  let ssh: SshTestNodes;
  let agent: AgentProcess;
  let job: ChildProcess;
  const pattern = `sleep ${uniqueSleep(600)}`;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-wrapper-'));
    const bin = join(scratch, 'bin');
    // Sessions of this sshd find every program of the standard PATH, but an old `timeout`.
    pathWithout(['timeout'], bin);
    await writeFile(join(bin, 'timeout'), OLD_TIMEOUT, { mode: 0o755 });
    ssh = await startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${bin}`] });
    job = spawn('sleep', [pattern.split(' ')[1]!], { stdio: 'ignore' });
    expect(await waitForPids(pattern, true, 5_000)).toBe(true);
    const drain = {
      graceful: [{ name: 'stop-job', action: 'kill', pattern, verifyAttempts: 2, verifyIntervalSeconds: 0.2 }],
      onFailure: 'hold',
    };
    agent = await startAgentProcess(scratch, oneNodeAgentConfig(ssh, drain, join(scratch, 'state')));
  });
  afterAll(async () => {
    await agent?.stop();
    job?.kill('SIGKILL');
    killMatching(pattern);
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function countdown(maxWaitTime: number): Promise<number> {
    const node = ssh.nodes[0]!;
    const nodelist = [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: maxWaitTime }];
    const [outcome] = await callWithPython(agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    const reply = outcome!.result as { code: number; value: Array<{ max_wait_time: number }> };
    expect(reply.code).toBe(0);
    return reply.value[0]!.max_wait_time;
  }

  it('holds the node with could-not-run and the wrapper’s words, and never releases it', async () => {
    expect(await countdown(300)).toBe(300);
    const held = await agent.waitFor((l) => l.msg === 'node state changed' && l.to === 'held', 30_000);
    expect(String(held.failure)).toMatch(
      /could-not-run: the command's wrapper \(sh, timeout\) failed before the command ran: exit 1/,
    );
    expect(String(held.failure)).toContain("timeout: invalid option -- 'k'");
    for (let tick = 1; tick <= 5; tick += 1) {
      expect(await countdown(300 - tick)).toBe(300 - tick);
      await sleep(200);
    }
    // Nothing of the drain ran on the node: its job is still there.
    expect(job.exitCode === null && job.signalCode === null).toBe(true);
  });
});
