import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/agent.js';
import type { ManifestNodeList } from '../../src/cluster/manifest-nodes.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ListedNode } from '../../src/slice/listed-node.js';
import { stateName } from '../../src/slice/node-actor.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner, HANG } from '../helpers/fake-ssh-runner.js';

const listed = (n: number): ListedNode => ({
  nodeId: `pc${n}`,
  clientId: `node${n}`,
  host: `node${n}.example.test`,
  port: 22,
  user: 'root',
  source: 'm.xml',
});
const entry = (n: number, max_wait_time: number) => ({ node_id: `pc${n}`, client_id: `node${n}`, max_wait_time });

/** An agent whose node list is a manifest (read here from `read`), with a real journal in `dir`; SSH faked. */
async function startAgent(dir: string, read: () => ManifestNodeList) {
  const config = parseConfig(
    { nodes: { manifest: 'm.xml' }, drain: { steps: [{ name: 'stop', run: 'true', verify: 'true' }] }, state: { dir } },
    'm',
    '/tmp',
  );
  const { logger, lines } = captureLogger();
  const store = await Store.open({ dir, logger });
  const runner = new FakeSshRunner().when((call) => call.target.nodeId === 'pc2', HANG);
  const source = { label: 'm.xml', reloadSeconds: 300, read: async () => read() };
  const agent: Agent = createAgent({ config, logger, runner, store, nodeList: { list: read(), source } });
  agent.restore();
  return {
    agent,
    lines,
    state: (nodeId: string) => stateName(agent.slice.get(nodeId)!.ensureStarted().getSnapshot().value),
    incarnation: (nodeId: string) => agent.slice.get(nodeId)!.ensureStarted().getSnapshot().context.incarnation,
    async stop() {
      await agent.close();
      await store.close();
    },
  };
}

const list = (...nodes: number[]): ManifestNodeList => ({ nodes: nodes.map(listed), excluded: [], skipped: [] });

describe('a manifest node list across a restart', () => {
  it('journaled idle nodes the manifest no longer lists are out of the slice; a busy one stays; one back is its next incarnation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-manifest-restart-'));
    const first = await startAgent(dir, () => list(1, 2, 3));
    const { slice } = first.agent;
    // pc3 is deleted, then given back: its second incarnation is journaled, idle.
    await slice.notifyDeletePending([entry(3, 0)]);
    await slice.notifyDeleteComplete([entry(3, 0)]);
    await slice.setResourceValues([{ node_id: 'pc3', client_id: 'node3', value: 1 }]);
    expect([first.state('pc3'), first.incarnation('pc3')]).toEqual(['allocated.idle', 2]);
    // pc2 drains (its commands hang).
    await slice.notifyDeletePending([entry(2, 600)]);
    expect(first.state('pc2')).toBe('draining.countdown');
    await first.stop();

    let manifest = list(1);
    const second = await startAgent(dir, () => manifest);
    try {
      expect(second.agent.slice.get('pc3')).toBeUndefined();
      expect(second.state('pc2')).toBe('draining.countdown');
      expect(
        second.lines.find((l) => l.msg === 'journaled nodes the node list does not hold: out of the slice'),
      ).toMatchObject({ nodeIds: ['pc3'] });
      manifest = list(1, 3);
      expect(await second.agent.reloadNodes()).toBe(true);
      expect(second.incarnation('pc3')).toBe(3);
    } finally {
      await second.stop();
    }
  });
});
