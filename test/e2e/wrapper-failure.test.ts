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

/** The built agent draining one real sshd node whose sessions find every standard program but `hidden`. */
function useNodeWithout(hidden: string[], scripts: Record<string, string> = {}) {
  const world = {} as { scratch: string; ssh: SshTestNodes; agent: AgentProcess; job: ChildProcess; pattern: string };
  world.pattern = `sleep ${uniqueSleep(600)}`;
  beforeAll(async () => {
    world.scratch = await mkdtemp(join(tmpdir(), 'dynslice-wrapper-'));
    const bin = join(world.scratch, 'bin');
    pathWithout(hidden, bin);
    for (const [name, text] of Object.entries(scripts)) await writeFile(join(bin, name), text, { mode: 0o755 });
    world.ssh = await startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${bin}`] });
    world.job = spawn('sleep', [world.pattern.split(' ')[1]!], { stdio: 'ignore' });
    expect(await waitForPids(world.pattern, true, 5_000, true)).toBe(true);
    const drain = {
      graceful: [
        { name: 'stop-job', action: 'kill', pattern: world.pattern, verifyAttempts: 2, verifyIntervalSeconds: 0.2 },
      ],
      onFailure: 'hold',
    };
    world.agent = await startAgentProcess(
      world.scratch,
      oneNodeAgentConfig(world.ssh, drain, join(world.scratch, 'state')),
    );
  });
  afterAll(async () => {
    await world.agent?.stop();
    world.job?.kill('SIGKILL');
    killMatching(world.pattern);
    await world.ssh?.stop();
    if (world.scratch) await rm(world.scratch, { recursive: true, force: true });
  });
  return world;
}

async function countdown(world: { ssh: SshTestNodes; agent: AgentProcess }, maxWaitTime: number): Promise<number> {
  const node = world.ssh.nodes[0]!;
  const nodelist = [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: maxWaitTime }];
  const [outcome] = await callWithPython(world.agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
  const reply = outcome!.result as { code: number; value: Array<{ max_wait_time: number }> };
  expect(reply.code).toBe(0);
  return reply.value[0]!.max_wait_time;
}

describe('a node whose timeout refuses -k, an older BusyBox (real sshd, the built agent)', () => {
  const world = useNodeWithout(['timeout'], { timeout: OLD_TIMEOUT });

  it('drains it under the agent’s sh timer: the job is stopped, the node released', async () => {
    expect(await countdown(world, 300)).toBe(300);
    await world.agent.waitFor((l) => l.msg === 'node state changed' && l.to === 'drained', 30_000);
    expect(await countdown(world, 299)).toBe(0);
    expect(await waitForPids(world.pattern, false, 5_000, true)).toBe(true);
    expect(world.agent.lines.filter((l) => l.msg === 'node timeout detected')).toEqual([
      expect.objectContaining({ wrapper: 'sh-timer', timeout: expect.stringMatching(/^BusyBox v1\.22\.1 /) }),
    ]);
  });
});

/**
 * A check proves something only if it ran. On a node with neither `timeout` nor `sleep` no command
 * can be bounded: kill's verify must not read the refusal as "no process left": the node is held
 * with the reason named, never released, and its job left running (nothing of the drain ran).
 */
describe('a node with neither timeout nor sleep (real sshd, the built agent)', () => {
  const world = useNodeWithout(['timeout', 'sleep']);

  it('holds the node with could-not-run and the reason, and never releases it', async () => {
    expect(await countdown(world, 300)).toBe(300);
    const held = await world.agent.waitFor((l) => l.msg === 'node state changed' && l.to === 'held', 30_000);
    expect(String(held.failure)).toMatch(/could-not-run: no usable timeout on the node: timeout: none; no sleep/);
    for (let tick = 1; tick <= 5; tick += 1) {
      expect(await countdown(world, 300 - tick)).toBe(300 - tick);
      await sleep(200);
    }
    // Nothing of the drain ran on the node: its job is still there.
    expect(world.job.exitCode === null && world.job.signalCode === null).toBe(true);
  });
});
