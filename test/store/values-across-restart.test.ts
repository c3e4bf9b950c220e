import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const NODES = [
  { node_id: 'pc101', client_id: 'node1', host: 'node1.example.test' },
  { node_id: 'pc102', client_id: 'node2', host: 'node2.example.test' },
  { node_id: 'pc103', client_id: 'node3', host: 'node3.example.test' },
];
const STEP = { name: 'stop-jobs', run: 'true', verify: 'true', verifyIntervalSeconds: 0.05 };

/** An agent as `run` builds it: real endpoint on loopback, real journal in `dir`; SSH faked. */
async function startAgent(
  dir: string,
  compactEvery?: number,
): Promise<{ agent: Agent; store: Store; url: string; stop(): Promise<void> }> {
  const config = parseConfig(
    { endpoint: { listen: '127.0.0.1:0' }, nodes: NODES, drain: { steps: [STEP] }, state: { dir } },
    'values',
    '/tmp',
  );
  const { logger } = captureLogger();
  const store = await Store.open({ dir, logger, ...(compactEvery === undefined ? {} : { compactEvery }) });
  const agent = createAgent({ config, logger, runner: new FakeSshRunner(), store });
  const { url } = await agent.listen(0, '127.0.0.1');
  return {
    agent,
    store,
    url,
    async stop() {
      await agent.close();
      await store.close();
    },
  };
}

async function call(url: string, method: string, nodelist: unknown[]): Promise<{ code: number; value: unknown }> {
  const [outcome] = await callWithPython(url, [{ method, params: [{ nodelist }] }]);
  if (!outcome || outcome.fault) throw new Error(`fault: ${JSON.stringify(outcome?.fault)}`);
  return outcome.result as { code: number; value: unknown };
}

const nodeValue = (agent: Agent, nodeId: string): unknown =>
  agent.slice.get(nodeId)!.ensureStarted().getSnapshot().context.value;

describe('resource values across a restart', () => {
  it('come back from the journal, for idle nodes and for nodes rebuilt from their records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-values-'));
    const first = await startAgent(dir);
    await call(first.url, 'SetResourceValues', [
      { node_id: 'pc101', client_id: 'node1', value: 0.5 },
      { node_id: 'pc103', client_id: 'node3', value: 0.9 },
    ]);
    // pc103 drains (a state record with value 0.9), then the cluster lowers its value: no state changes.
    await call(first.url, 'NotifyDeletePending', [{ node_id: 'pc103', client_id: 'node3', max_wait_time: 600 }]);
    await expect.poll(() => first.agent.slice.isReleased('pc103')).toBe(true);
    await call(first.url, 'SetResourceValues', [
      { node_id: 'pc101', client_id: 'node1', value: 0.25 },
      { node_id: 'pc103', client_id: 'node3', value: 0.1 },
    ]);
    await first.stop();

    const second = await startAgent(dir);
    try {
      expect(nodeValue(second.agent, 'pc101')).toBe(0.25);
      expect(nodeValue(second.agent, 'pc103')).toBe(0.1);
      expect(second.agent.slice.get('pc103')!.ensureStarted().getSnapshot().value).toBe('drained');
      expect(nodeValue(second.agent, 'pc102')).toBe(nodeValue(first.agent, 'pc102')); // never valued: the default
    } finally {
      await second.stop();
    }
  });

  it('come back from the snapshot once the journal is compacted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-values-'));
    const first = await startAgent(dir, 4);
    await call(first.url, 'SetResourceValues', [{ node_id: 'pc102', client_id: 'node2', value: 0.3 }]);
    // Calls that change a node wait for the disk; a compaction follows a flush past 4 records.
    for (let i = 0; i < 3; i += 1)
      await call(first.url, 'NotifyDeletePending', [{ node_id: 'pc101', client_id: 'node1', max_wait_time: 600 - i }]);
    await expect
      .poll(async () => JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8').catch(() => '{}')).values)
      .toEqual([{ node_id: 'pc102', client_id: 'node2', value: 0.3 }]);
    await first.stop();

    const second = await startAgent(dir);
    try {
      expect(nodeValue(second.agent, 'pc102')).toBe(0.3);
    } finally {
      await second.stop();
    }
  });
});
