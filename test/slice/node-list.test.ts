import { describe, expect, it } from 'vitest';
import type { ListedNode } from '../../src/node-list/listed-node.js';
import type { ManifestNodeList } from '../../src/node-list/manifest-nodes.js';
import { stateName } from '../../src/slice/node-actor.js';
import { NodeListReloader } from '../../src/slice/node-list-reloader.js';
import { NodeLookupHandlers } from '../../src/slice/node-lookup-handlers.js';
import type { Slice } from '../../src/slice/slice.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { flush, settle } from '../helpers/scripted-drain.js';

const listed = (nodeId: string, clientId: string, host = `${clientId}.example`): ListedNode => ({
  nodeId,
  clientId,
  host,
  port: 22,
  user: 'root',
  source: 'm.xml',
});
const list = (...nodes: ListedNode[]): ManifestNodeList => ({ nodes, excluded: [], skipped: [] });
const entry = (node_id: string, max_wait_time: number, client_id?: string) => ({ node_id, client_id, max_wait_time });
const state = (slice: Slice, nodeId: string) => {
  const node = slice.get(nodeId);
  return node === undefined
    ? 'absent'
    : node.started
      ? stateName(node.ensureStarted().getSnapshot().value)
      : 'unstarted';
};
const incarnation = (slice: Slice, nodeId: string) =>
  slice.get(nodeId)!.ensureStarted().getSnapshot().context.incarnation;

/** A read the test settles by hand. */
function manualSource() {
  const reads: { resolve: (list: ManifestNodeList) => void; reject: (error: Error) => void }[] = [];
  return {
    reads,
    source: {
      label: 'm.xml',
      reloadSeconds: 300,
      read: () => new Promise<ManifestNodeList>((resolve, reject) => reads.push({ resolve, reject })),
    },
  };
}

describe('node list re-read', () => {
  it('adds new nodes and takes out those no longer listed: one past idle was taken, so it is deleted first', async () => {
    const { slice, runner } = makeSlice();
    runner.when((c) => c.target.nodeId === 'pc2', HANG);
    slice.applyNodeList([listed('pc1', 'node1'), listed('pc2', 'node2'), listed('pc3', 'node3')]);
    await slice.notifyDeletePending([entry('pc1', 300), entry('pc2', 300)]);
    await settle();
    expect([state(slice, 'pc1'), state(slice, 'pc2')]).toEqual(['drained', 'draining.countdown']);
    expect(runner.hangingCount).toBe(1);

    const change = slice.applyNodeList([listed('pc4', 'node4')]);
    // pc1 drained and pc2 draining, no longer listed: taken without their NotifyDeleteComplete.
    expect(change).toEqual({ added: ['pc4'], removed: ['pc1', 'pc2', 'pc3'], moved: [], busy: [] });
    expect(slice.list().map((n) => n.nodeId)).toEqual(['pc4']);
    expect(slice.lives.get('pc1')).toMatchObject({ life: 'left', incarnation: 1, deletedAt: null });
    expect(slice.lives.get('pc3')).toMatchObject({ life: 'left', incarnation: 1, deletedAt: null });
    // The drain of the node the cluster took stops.
    await settle();
    expect(runner.hangingCount).toBe(0);
  });

  it('a deleted node no longer listed leaves the slice, keeping its deletion for the late repeats', async () => {
    const { slice, clock } = makeSlice({ unknownNodes: 'release' });
    slice.applyNodeList([listed('pc1', 'node1'), listed('pc2', 'node2')]);
    await slice.notifyDeletePending([entry('pc1', 0)]);
    await slice.notifyDeleteComplete([entry('pc1', 0)]);
    const deletedAt = clock.now();
    expect(slice.applyNodeList([listed('pc2', 'node2')]).removed).toEqual(['pc1']);
    expect(slice.lives.get('pc1')).toMatchObject({ life: 'left', incarnation: 1, deletedAt });
    // A countdown soon after repeats the deletion: released, nothing runs.
    expect([...(await slice.notifyDeletePending([entry('pc1', 30)]))]).toEqual(['pc1']);
    expect(slice.get('pc1')).toBeUndefined();
    // Listed again: its next incarnation, allocated and unreleased.
    expect(slice.applyNodeList([listed('pc1', 'node1'), listed('pc2', 'node2')]).added).toEqual(['pc1']);
    expect([incarnation(slice, 'pc1'), state(slice, 'pc1')]).toEqual([2, 'allocated.idle']);
    expect(slice.isReleased('pc1')).toBe(false);
  });

  it('brings a node taken out back as its next incarnation', async () => {
    const { slice } = makeSlice();
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.5 }]);
    expect(slice.applyNodeList([listed('pc2', 'node2')]).removed).toEqual(['pc1']);
    expect(slice.applyNodeList([listed('pc1', 'node1'), listed('pc2', 'node2')]).added).toEqual(['pc1']);
    expect(incarnation(slice, 'pc1')).toBe(2);
    expect(incarnation(slice, 'pc2')).toBe(1);
    // Twice out and back: the third.
    slice.applyNodeList([]);
    slice.applyNodeList([listed('pc1', 'node1')]);
    expect(incarnation(slice, 'pc1')).toBe(3);
  });

  it('moves an idle node to its new login, and leaves a busy one where it is', async () => {
    const { slice, runner } = makeSlice();
    runner.when(() => true, HANG);
    slice.applyNodeList([listed('pc1', 'node1'), listed('pc2', 'node2')]);
    await slice.notifyDeletePending([entry('pc2', 300)]);
    const change = slice.applyNodeList([
      listed('pc1', 'node1', 'pc1.elsewhere'),
      listed('pc2', 'node2', 'pc2.elsewhere'),
    ]);
    expect(change).toMatchObject({ moved: ['pc1'], busy: ['pc2'] });
    expect(slice.get('pc1')!.target.host).toBe('pc1.elsewhere');
    expect(slice.get('pc2')!.target.host).toBe('node2.example');
  });

  it('keeps a deleted node deleted, and reaches its next incarnation at the login listed now', async () => {
    const { slice, clock, runner } = makeSlice({ deletedGraceSeconds: 60 });
    await slice.notifyDeletePending([entry('pc1', 0, 'node1')]);
    await slice.notifyDeleteComplete([entry('pc1', 0, 'node1')]);
    await settle();
    slice.applyNodeList([listed('pc1', 'node7', 'pc1.moved'), listed('pc2', 'node2')]);
    expect(state(slice, 'pc1')).toBe('deleted');
    clock.increment(61_000);
    await slice.notifyDeletePending([entry('pc1', 300, 'node7')]);
    await settle();
    expect(incarnation(slice, 'pc1')).toBe(2);
    expect(runner.calls.at(-1)?.target.host).toBe('pc1.moved');
  });

  it('leaves nodes learned from calls to the calls', async () => {
    const { slice } = makeSlice({ hostTemplate: '{client_id}.exp.example' });
    await slice.setResourceValues([{ node_id: 'pc9', client_id: 'node9', value: 1 }]);
    expect(slice.applyNodeList([]).removed.sort()).toEqual(['pc1', 'pc2']);
    expect(slice.get('pc9')?.target.host).toBe('node9.exp.example');
  });

  it('reads one at a time: asking during a read queues one more read, shared by all who ask', async () => {
    const { slice } = makeSlice();
    const { reads, source } = manualSource();
    const reloader = new NodeListReloader({
      source,
      apply: (nodes) => slice.applyNodeList(nodes),
      logger: captureLogger().logger,
    });
    const first = reloader.reload('signal');
    const second = reloader.reload('signal');
    const third = reloader.reload('timer');
    expect(second).toBe(third);
    await flush();
    expect(reads).toHaveLength(1);
    reads[0]!.resolve(list(listed('pc3', 'node3')));
    expect(await first).toBe(true);
    await flush();
    expect(reads).toHaveLength(2);
    reads[1]!.reject(new Error('geni-get: cannot reach boss'));
    expect(await second).toBe(false);
    // The failed read left the list of the first one.
    expect(slice.list().map((n) => n.nodeId)).toEqual(['pc3']);
  });

  it('warns when a read fails and changes nothing', async () => {
    const { slice } = makeSlice();
    const log = captureLogger();
    const reloader = new NodeListReloader({
      source: {
        label: 'command "geni-get manifest"',
        reloadSeconds: 300,
        read: () => Promise.reject(new Error('the command failed: exited with 1')),
      },
      apply: (nodes) => slice.applyNodeList(nodes),
      logger: log.logger,
    });
    expect(await reloader.reload('signal')).toBe(false);
    expect(slice.list().map((n) => n.nodeId)).toEqual(['pc1', 'pc2']);
    expect(log.lines.find((l) => l.msg === 'node list re-read failed: the node list is unchanged')).toMatchObject({
      level: 40,
      source: 'command "geni-get manifest"',
      err: 'the command failed: exited with 1',
    });
  });
});

describe('a call naming a node the agent does not know, with a manifest', () => {
  function lookupSlice(overrides: Parameters<typeof makeSlice>[0] = {}) {
    const world = makeSlice({ unknownNodes: 'release', ...overrides });
    const { reads, source } = manualSource();
    const { logger } = captureLogger();
    const reloader: NodeListReloader = new NodeListReloader({
      source,
      apply: (nodes) => world.slice.applyNodeList(nodes),
      onRead: () => void handlers.settleAll(),
      logger,
      callSpacingMs: 0,
    });
    const handlers: NodeLookupHandlers = new NodeLookupHandlers(world.slice, world.slice.lives, {
      lookUp: () => reloader.reload('unknown-node'),
      logger,
      now: () => world.clock.now(),
      max: overrides.maxUnknownNodes ?? 100,
    });
    return { ...world, reads, handlers };
  }

  it('refuses a call that would park more nodes than unknownNodes.max, parking none of it', async () => {
    const { slice, reads, handlers } = lookupSlice({ maxUnknownNodes: 2 });
    const call = handlers.notifyDeletePending([
      entry('pc7', 300, 'node7'),
      entry('pc8', 300, 'node8'),
      entry('pc9', 300, 'node9'),
    ]);
    await expect(call).rejects.toThrow(/3 nodes the agent must look up; 0 already wait, of at most 2/);
    expect(slice.lives.count('parked')).toBe(0);
    expect(reads).toHaveLength(0);
  });

  it('answers it kept while the manifest is re-read, then drains it once the manifest lists it', async () => {
    const { slice, reads, handlers, clock, runner } = lookupSlice();
    const reply = await handlers.notifyDeletePending([entry('pc1', 300, 'node1'), entry('pc7', 300, 'node7')]);
    // The reply did not wait for the read: pc7 is kept (not released), and nothing ran on it yet.
    expect([...reply]).toEqual([]);
    expect(reads).toHaveLength(1);
    expect(slice.get('pc7')).toBeUndefined();
    clock.increment(4_500);
    reads[0]!.resolve(list(listed('pc1', 'node1'), listed('pc7', 'node7', 'pc7.example')));
    await settle();
    expect(state(slice, 'pc7')).toBe('drained');
    expect(runner.calls.some((c) => c.target.host === 'pc7.example')).toBe(true);
    // Its deadline is the cluster's (to the second, never later): the seconds it waited for the read are taken off.
    const deadline = slice.get('pc7')!.ensureStarted().getSnapshot().context.deadline!;
    expect(deadline).toBeLessThanOrEqual(5_000_000 + 300_000);
    expect(deadline).toBeGreaterThan(5_000_000 + 300_000 - 1_000);
    expect([...(await handlers.notifyDeletePending([entry('pc7', 240, 'node7')]))]).toEqual(['pc7']);
  });

  it('applies the unknown-node policy when the manifest does not list it', async () => {
    const { slice, reads, handlers } = lookupSlice();
    expect([...(await handlers.notifyDeletePending([entry('pc8', 300, 'node8')]))]).toEqual([]);
    reads[0]!.resolve(list(listed('pc1', 'node1'), listed('pc2', 'node2')));
    await settle();
    // unknownNodes: release: reported released from now on, and no second read for it.
    expect([...(await handlers.notifyDeletePending([entry('pc8', 240, 'node8')]))]).toEqual(['pc8']);
    expect(reads).toHaveLength(1);
    expect(slice.get('pc8')).toBeUndefined();
  });

  it('a read that fails changes nothing: the node stays parked, kept with its wait, until a read succeeds', async () => {
    const { slice, reads, handlers } = lookupSlice();
    expect([...(await handlers.notifyDeletePending([entry('pc8', 300, 'node8')]))]).toEqual([]);
    reads[0]!.reject(new Error('geni-get: cannot reach the cluster'));
    await settle();
    // unknownNodes: release, yet not released: only a read that succeeded may say the node is not the slice's.
    expect(slice.get('pc8')).toBeUndefined();
    expect(slice.lives.get('pc8')).toMatchObject({ life: 'parked', noWait: false });
    const again = await handlers.notifyDeletePending([entry('pc8', 240, 'node8')]);
    expect([...again]).toEqual([]);
    expect(slice.isReleased('pc8')).toBe(false);
    // The next read lists it: it drains, with the cluster's deadline.
    reads[1]!.resolve(list(listed('pc1', 'node1'), listed('pc8', 'node8')));
    await settle();
    expect(state(slice, 'pc8')).not.toBe('allocated.idle');
    expect(slice.lives.get('pc8')).toBeUndefined();
  });

  it('with a hostTemplate, a read that fails adopts nothing either', async () => {
    const { slice, reads, handlers } = lookupSlice({ unknownNodes: 'adopt', hostTemplate: '{client_id}.exp.example' });
    await handlers.notifyDeletePending([entry('pc8', 300, 'node8')]);
    reads[0]!.reject(new Error('unreadable'));
    await settle();
    expect(slice.get('pc8')).toBeUndefined();
    reads.length = 0;
    await handlers.notifyDeletePending([entry('pc8', 240, 'node8')]);
    reads[0]!.resolve(list(listed('pc1', 'node1')));
    await settle();
    expect(slice.get('pc8')?.target.host).toBe('node8.exp.example');
    expect(state(slice, 'pc8')).not.toBe('allocated.idle');
  });

  it('releases it at once when the cluster cannot wait, and looks it up all the same', async () => {
    const { slice, reads, handlers } = lookupSlice();
    expect([...(await handlers.notifyDeletePending([entry('pc7', 0, 'node7')]))]).toEqual(['pc7']);
    reads[0]!.resolve(list(listed('pc7', 'node7')));
    await settle();
    // Its drain ran in the time the cluster gave (none): released, as any listed node would be.
    expect(state(slice, 'pc7')).toMatch(/^(draining\.bestEffort|forced|drained)$/);
    expect(slice.isReleased('pc7')).toBe(true);
  });

  it('holds a value for it until the read says what it is', async () => {
    const { slice, reads, handlers } = lookupSlice();
    await handlers.setResourceValues([
      { node_id: 'pc7', client_id: 'node7', value: 0.25 },
      { node_id: 'pc99', value: 0.5 },
    ]);
    expect(reads).toHaveLength(1);
    reads[0]!.resolve(list(listed('pc7', 'node7')));
    await settle();
    expect(slice.get('pc7')!.ensureStarted().getSnapshot().context.value).toBe(0.25);
    expect(slice.get('pc99')).toBeUndefined();
  });

  it('never waits for a read that does not end', async () => {
    const { handlers, reads } = lookupSlice();
    const replies = await Promise.all(
      [1, 2, 3].map((i) => handlers.notifyDeletePending([entry(`pc${10 + i}`, 300 - i, `n${i}`)])),
    );
    expect(replies.map((r) => r.size)).toEqual([0, 0, 0]);
    // One read under way and one queued behind it, whatever the number of calls.
    expect(reads).toHaveLength(1);
  });
});
