import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FORMAT } from '../../src/store/state-format.js';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Entry {
  node_id: string;
  client_id: string;
  max_wait_time: number;
}

/**
 * An upgrade stops the agent and starts it again (here the same release: what matters is that the
 * state it wrote is read back, format check included) in the middle of a countdown.
 */
describe('an agent stopped and started again in the middle of a countdown', () => {
  let ssh: SshTestNodes;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    ssh = await startSshNodes(3);
    dir = await mkdtemp(join(tmpdir(), 'dynslice-restart-countdown-'));
  });
  afterAll(async () => {
    await agent?.kill();
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const config = () => ({
    endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
    ssh: {
      user: ssh.nodes[0]!.user,
      privateKeyPath: ssh.privateKeyPath,
      knownHostsPath: ssh.knownHostsPath,
      hostKeyChecking: 'yes',
    },
    nodes: ssh.nodes.map((n) => ({
      node_id: n.nodeId,
      client_id: n.clientId,
      host: n.host,
      port: n.port,
      user: n.user,
    })),
    // A node drains once the test says its work is saved: the file the verify looks for.
    drain: {
      graceful: [
        {
          name: 'saved',
          action: 'command',
          run: 'true',
          verify: `test -f ${dir}/saved-$DYNSLICE_NODE_ID`,
          verifyAttempts: 1000,
          verifyIntervalSeconds: 0.2,
          timeoutSeconds: 600,
        },
      ],
    },
    state: { dir: join(dir, 'state') },
  });
  const nodelist = (maxWaitTime: number) =>
    ssh.nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, max_wait_time: maxWaitTime }));
  async function countdown(maxWaitTime: number): Promise<Record<string, number>> {
    const [outcome] = await callWithPython(agent!.url, [
      { method: 'NotifyDeletePending', params: [{ nodelist: nodelist(maxWaitTime) }] },
    ]);
    if (!outcome || outcome.fault) throw new Error(`fault: ${JSON.stringify(outcome?.fault)}`);
    const reply = outcome.result as { code: number; value: Entry[] };
    expect(reply.code).toBe(0);
    return Object.fromEntries(reply.value.map((e) => [e.node_id, e.max_wait_time]));
  }
  const save = (nodeId: string) => writeFile(join(dir, `saved-${nodeId}`), '');

  it('loses no node: the released one stays released, the draining ones drain to the end', async () => {
    const [a, b, c] = ssh.nodes.map((n) => n.nodeId) as [string, string, string];
    agent = await startAgentProcess(dir, config());
    expect(await countdown(600)).toEqual({ [a]: 600, [b]: 600, [c]: 600 });
    await save(a);
    await agent.waitFor((l) => l.msg === 'node state changed' && l.nodeId === a && l.to === 'drained', 30_000);
    expect(await countdown(540)).toEqual({ [a]: 0, [b]: 540, [c]: 540 });

    // Stopped as an upgrade stops it, while two nodes drain.
    expect(await agent.stop()).toBe(0);
    agent = await startAgentProcess(dir, config());
    const recovered = await agent.waitFor((l) => l.msg === 'state recovered');
    expect(recovered.recovered).toBe(3);
    expect(await countdown(480)).toEqual({ [a]: 0, [b]: 480, [c]: 480 });

    await save(b);
    await save(c);
    for (const nodeId of [b, c])
      await agent.waitFor((l) => l.msg === 'node state changed' && l.nodeId === nodeId && l.to === 'drained', 30_000);
    expect(await countdown(420)).toEqual({ [a]: 0, [b]: 0, [c]: 0 });
    const [done] = await callWithPython(agent.url, [
      { method: 'NotifyDeleteComplete', params: [{ nodelist: nodelist(0) }] },
    ]);
    expect(done?.result).toMatchObject({ code: 0 });
    expect(await agent.stop()).toBe(0);

    // Every record this release wrote carries its format.
    const state = join(dir, 'state');
    const lines = (
      await Promise.all(
        (await readdir(state)).filter((f) => f.endsWith('.jsonl')).map((f) => readFile(join(state, f), 'utf8')),
      )
    )
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { v?: number; kind: string });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.every((l) => l.v === STATE_FORMAT)).toBe(true);
    await expect(access(join(state, 'agent.lock'))).resolves.toBeUndefined();
  }, 120_000);
});
