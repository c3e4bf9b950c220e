import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Reply {
  code: number;
  value: Array<{ node_id: string; max_wait_time: number }> | number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A dry run reports every verify passed: under `run` it must never be what releases a node. */
describe('run with dryRun: true in the configuration', () => {
  let scratch: string;
  let agent: AgentProcess;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-dryrun-'));
    agent = await startAgentProcess(scratch, {
      endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
      // Nothing listens there: a command that really ran would fail.
      nodes: [{ node_id: 'pc1', client_id: 'node1', host: '127.0.0.1', port: 1 }],
      drain: { graceful: [{ action: 'kill', pattern: 'some-job', verifyIntervalSeconds: 0.2 }] },
      dryRun: true,
      state: { dir: join(scratch, 'state') },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('answers as shadow mode: never releases a node early, logs what would have run and been released', async () => {
    const countdown = async (maxWaitTime: number): Promise<Reply> => {
      const [outcome] = await callWithPython(agent.url, [
        {
          method: 'NotifyDeletePending',
          params: [{ nodelist: [{ node_id: 'pc1', client_id: 'node1', max_wait_time: maxWaitTime }] }],
        },
      ]);
      return outcome!.result as Reply;
    };
    for (let tick = 0; tick < 4; tick += 1) {
      const reply = await countdown(300 - tick);
      expect(reply.code).toBe(0);
      expect(reply.value).toEqual([{ node_id: 'pc1', client_id: 'node1', max_wait_time: 300 - tick }]);
      await sleep(300);
    }
    expect(agent.lines.some((l) => l.msg.startsWith('dryRun: true runs the agent in shadow mode'))).toBe(true);
    await agent.waitFor((l) => l.msg === 'dry run: would run command' && l.nodeId === 'pc1');
    await agent.waitFor((l) => l.msg === 'shadow: node would have been released' && l.nodeId === 'pc1');
  });
});
