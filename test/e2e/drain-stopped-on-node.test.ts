import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { killMatching, uniqueSleep, waitForPids } from '../helpers/local-processes.js';
import { oneNodeAgentConfig } from '../helpers/one-node-agent.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

/**
 * OpenSSH's sshd keeps a command running when its connection closes, so a drain command the agent
 * stops caring about must be stopped on the node before the agent lets go of the connection.
 */
describe('a drain command still running when the node is deleted or the agent stops', () => {
  let ssh: SshTestNodes;
  let scratch: string;
  let agent: AgentProcess | undefined;
  const markers: string[] = [];

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-stop-'));
  });
  afterEach(async () => {
    await agent?.kill();
    agent = undefined;
    for (const marker of markers.splice(0)) killMatching(marker);
  });
  afterAll(async () => {
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** An agent whose one drain step sleeps (a unique duration) far past the test; returns that duration. */
  async function drainingAgent(name: string): Promise<{ duration: string; nodelist: object[] }> {
    expect(ssh.kind).toBe('openssh');
    const duration = uniqueSleep(300);
    markers.push(duration);
    const node = ssh.nodes[0]!;
    const drain = { steps: [{ name: 'long', run: `sleep ${duration}`, verify: 'true', timeoutSeconds: 600 }] };
    agent = await startAgentProcess(
      await mkdtemp(join(scratch, name)),
      oneNodeAgentConfig(ssh, drain, join(scratch, name, 'state')),
    );
    const nodelist = [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: 600 }];
    const [answer] = await callWithPython(agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    expect(answer).toMatchObject({ result: { code: 0 } });
    expect(await waitForPids(`sleep ${duration}`, true, 20_000, true)).toBe(true);
    return { duration, nodelist };
  }

  it('NotifyDeleteComplete during the drain leaves no process of the drain on the node', async () => {
    const { duration, nodelist } = await drainingAgent('complete');
    const [answer] = await callWithPython(agent!.url, [{ method: 'NotifyDeleteComplete', params: [{ nodelist }] }]);
    expect(answer).toMatchObject({ result: { code: 0 } });
    expect(await waitForPids(duration, false, 10_000)).toBe(true);
    // The agent lives on and answers.
    const [version] = await callWithPython(agent!.url, [{ method: 'GetVersion' }]);
    expect(version).toMatchObject({ result: { code: 0 } });
  }, 60_000);

  it('SIGTERM to the agent during the drain leaves no process of the drain on the node', async () => {
    const { duration } = await drainingAgent('sigterm');
    expect(await agent!.stop()).toBe(0);
    expect(await waitForPids(duration, false, 5_000)).toBe(true);
  }, 60_000);
});
