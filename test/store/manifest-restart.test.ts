import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ListedNode } from '../../src/node-list/listed-node.js';
import type { ManifestNodeList } from '../../src/node-list/manifest-nodes.js';
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
async function startAgent(
  dir: string,
  read: () => ManifestNodeList,
  extra: Record<string, unknown> = {},
  manifest = true,
) {
  const config = parseConfig(
    {
      nodes: { manifest: 'm.xml' },
      drain: { steps: [{ name: 'stop', run: 'true', verify: 'true' }] },
      state: { dir },
      ...extra,
    },
    'm',
    '/tmp',
  );
  const { logger, lines } = captureLogger();
  const store = await Store.open({ dir, logger });
  const runner = new FakeSshRunner().when((call) => call.target.nodeId === 'pc2', HANG);
  const source = { label: 'm.xml', reloadSeconds: 300, read: async () => read() };
  const nodeList = manifest ? { nodeList: { list: read(), source } } : {};
  const agent: Agent = createAgent({ config, logger, runner, store, ...nodeList });
  agent.restore();
  return {
    agent,
    lines,
    runner,
    context: (nodeId: string) => agent.slice.get(nodeId)!.ensureStarted().getSnapshot().context,
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
  it('journaled nodes the manifest no longer lists are out of the slice (a busy one taken as deleted); one back is its next incarnation', async () => {
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
      // pc2 was draining and the manifest no longer lists it: the cluster took it, its deletion lost.
      expect(second.agent.slice.get('pc2')).toBeUndefined();
      expect(second.agent.slice.lives.get('pc2')).toMatchObject({ life: 'left', incarnation: 1, deletedAt: null });
      expect(second.lines.some((l) => l.msg === 'node taken without its NotifyDeleteComplete: deleted')).toBe(true);
      const out = second.lines.find((l) => l.msg === 'journaled nodes the node list does not hold: out of the slice');
      expect([...((out?.nodeIds ?? []) as string[])].sort()).toEqual(['pc2', 'pc3']);
      manifest = list(1, 3);
      expect(await second.agent.reloadNodes()).toBe(true);
      expect(second.incarnation('pc3')).toBe(3);
    } finally {
      await second.stop();
    }
  });

  it('a node draining at the restart keeps the host it was journaled with, whatever the manifest says now', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-manifest-restart-'));
    const first = await startAgent(dir, () => list(1, 2));
    await first.agent.slice.notifyDeletePending([entry(2, 600)]);
    expect(first.state('pc2')).toBe('draining.countdown');
    await first.stop();

    // The manifest now gives pc2 another host: its drain goes on where its jobs are.
    const moved = { ...listed(2), host: 'elsewhere.example.test' };
    const second = await startAgent(dir, () => ({ nodes: [listed(1), moved], excluded: [], skipped: [] }));
    try {
      expect(second.state('pc2')).toBe('draining.countdown');
      expect(second.agent.slice.get('pc2')!.target.host).toBe('node2.example.test');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const hosts = new Set(second.runner.calls.filter((c) => c.target.nodeId === 'pc2').map((c) => c.target.host));
      expect([...hosts]).toEqual(['node2.example.test']);
      expect(second.lines.some((l) => l.msg.startsWith('node list moved a node that is not at rest'))).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('a deadline a later countdown moved comes back after a restart, and the same call gets the same reply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-manifest-restart-'));
    const first = await startAgent(dir, () => list(1, 2));
    await first.agent.handlers.notifyDeletePending([entry(2, 60)]);
    await first.agent.handlers.notifyDeletePending([entry(2, 900)]);
    const moved = first.context('pc2').deadline!;
    expect(moved - Date.now()).toBeGreaterThan(800_000);
    await first.stop();

    const second = await startAgent(dir, () => list(1, 2));
    try {
      expect(second.context('pc2').deadline).toBe(moved);
      expect([...(await second.agent.handlers.notifyDeletePending([entry(2, 900)]))]).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('a SetResourceValues refused whole is journaled as refused and applies nothing after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-manifest-restart-'));
    const extra = { nodes: [], hostTemplate: '{client_id}.adopted.test', unknownNodes: { policy: 'adopt', max: 1 } };
    const first = await startAgent(dir, () => list(), extra, false);
    const values = [1, 2].map((n) => ({ node_id: `ux${n}`, client_id: `ux${n}c`, value: 0.5 }));
    await expect(first.agent.handlers.setResourceValues(values)).rejects.toThrow(/unknownNodes\.max/);
    expect(first.agent.slice.get('ux1')).toBeUndefined();
    await first.stop();

    const second = await startAgent(dir, () => list(), extra, false);
    try {
      expect(second.agent.slice.get('ux1')).toBeUndefined();
      expect(second.agent.slice.get('ux2')).toBeUndefined();
      expect(second.lines.some((l) => l.msg === 'resource values restored')).toBe(false);
    } finally {
      await second.stop();
    }
  });
});
