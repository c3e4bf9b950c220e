import { describe, expect, it } from 'vitest';
import { FRESH_NODE_STATE } from '../../machines/node.types.js';
import { stateName } from '../../src/slice/node-actor.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { flush, settle } from '../helpers/settle.js';

const entry = (node_id: string, max_wait_time: number, client_id?: string) => ({ node_id, client_id, max_wait_time });

describe('slice', () => {
  it('releases a node only in a countdown reply after its drain verified', async () => {
    const { slice, runner } = makeSlice();
    runner.when((c) => c.target.nodeId === 'pc2', HANG);
    const first = await slice.notifyDeletePending([entry('pc1', 120), entry('pc2', 120)]);
    expect([...first]).toEqual([]);
    await settle();
    const second = await slice.notifyDeletePending([entry('pc1', 60), entry('pc2', 60)]);
    expect([...second]).toEqual(['pc1']);
    expect(runner.commands('pc1')).toEqual(['pkill -f job || true', '! pgrep -f job']);
  });

  it('hands the node facts to commands as environment variables', async () => {
    const { slice, runner } = makeSlice();
    await slice.notifyDeletePending([entry('pc1', 120)]);
    await settle();
    expect(runner.calls[0]?.env).toEqual({
      DYNSLICE_NODE_ID: 'pc1',
      DYNSLICE_CLIENT_ID: 'node1',
      DYNSLICE_STEP: 'stop-jobs',
      DYNSLICE_DEADLINE: String(5_000_000 / 1000 + 120),
    });
    expect(runner.calls[0]?.timeoutMs).toBe(30_000);
  });

  it('never waits for SSH to answer a countdown call', async () => {
    const { slice, runner } = makeSlice();
    runner.when(() => true, HANG);
    const released = await slice.notifyDeletePending([entry('pc1', 0), entry('pc2', 30)]);
    expect([...released]).toEqual(['pc1']);
    expect(runner.hangingCount).toBe(2);
  });

  it('adopts an unknown node whose host the template gives', async () => {
    const { slice, runner, lines } = makeSlice({ hostTemplate: '{client_id}.exp.proj.utah.cloudlab.us' });
    await slice.notifyDeletePending([entry('pc77', 300, 'node7')]);
    await settle();
    expect(slice.get('pc77')?.target).toEqual({
      nodeId: 'pc77',
      host: 'node7.exp.proj.utah.cloudlab.us',
      user: 'root',
      port: 22,
    });
    expect(runner.calls[0]?.target.host).toBe('node7.exp.proj.utah.cloudlab.us');
    expect(lines.filter((l) => l.msg === 'unknown nodes adopted')).toMatchObject([{ count: 1, nodeIds: ['pc77'] }]);
  });

  it('reports an unknown node released, with a warning, when no host can be derived', async () => {
    const { slice, runner, lines } = makeSlice({ hostTemplate: '{client_id}.exp.example' });
    const hostile = entry('pc88', 300, 'x;reboot');
    const released = await slice.notifyDeletePending([hostile, entry('pc89', 300)]);
    expect([...released].sort()).toEqual(['pc88', 'pc89']);
    expect(runner.calls).toHaveLength(0);
    // One line per call, not one per node: calls come from the network.
    expect(lines.filter((l) => l.msg === 'unknown nodes reported released')).toMatchObject([
      { count: 2, nodeIds: ['pc88', 'pc89'] },
    ]);
  });

  it('with unknownNodes: release, never adopts', async () => {
    const { slice } = makeSlice({ hostTemplate: '{client_id}.exp.example', unknownNodes: 'release' });
    expect([...(await slice.notifyDeletePending([entry('pc90', 300, 'node9')]))]).toEqual(['pc90']);
    expect(slice.get('pc90')).toBeUndefined();
  });

  it('applies resource values to slice nodes and ignores nodes outside the slice', async () => {
    const { slice } = makeSlice();
    await slice.setResourceValues([
      { node_id: 'pc1', client_id: 'node1', value: 0.3 },
      { node_id: 'pc2', client_id: 'node2' },
      { node_id: 'pc500', value: 0.9 },
    ]);
    expect(slice.get('pc1')?.ensureStarted().getSnapshot().context.value).toBe(0.3);
    expect(slice.get('pc2')?.ensureStarted().getSnapshot().context.value).toBe(1);
    expect(slice.get('pc500')).toBeUndefined();
  });

  it('deletes nodes, drops their connection, and reports them released afterwards', async () => {
    const { slice, runner } = makeSlice();
    runner.when(() => true, HANG);
    await slice.notifyDeletePending([entry('pc1', 120)]);
    await slice.notifyDeleteComplete([entry('pc1', 0), entry('pc404', 0)]);
    expect(slice.get('pc1')?.ensureStarted().getSnapshot().value).toBe('deleted');
    expect(runner.released).toEqual(['pc1']);
    expect(runner.calls[0]?.signal?.aborted).toBe(true);
    expect([...(await slice.notifyDeletePending([entry('pc1', 60)]))]).toEqual(['pc1']);
  });

  it('cuts a hanging drain at the deadline and releases the node', async () => {
    const { slice, runner, clock } = makeSlice();
    runner.when(() => true, HANG);
    await slice.notifyDeletePending([entry('pc1', 60)]);
    clock.increment(60_000);
    expect(stateName(slice.get('pc1')!.ensureStarted().getSnapshot().value)).toBe('forced');
    expect([...(await slice.notifyDeletePending([entry('pc1', 0)]))]).toEqual(['pc1']);
  });

  it('a verify that keeps failing holds the node', async () => {
    const { slice, runner, clock } = makeSlice();
    runner.when((c) => c.command.startsWith('!'), { code: 1, stderr: 'job still running' });
    await slice.notifyDeletePending([entry('pc1', 120)]);
    await settle();
    clock.increment(1_000);
    await settle();
    const snapshot = slice.get('pc1')!.ensureStarted().getSnapshot();
    expect(snapshot.value).toBe('held');
    expect(snapshot.context.failure).toContain('exit 1: job still running');
    expect([...(await slice.notifyDeletePending([entry('pc1', 100)]))]).toEqual([]);
  });

  it('leaves a released node as it is on later countdowns, still reporting it released', async () => {
    const { slice, clock } = makeSlice();
    await slice.notifyDeletePending([entry('pc1', 120)]);
    await settle();
    const drained = slice.get('pc1')!.ensureStarted().getSnapshot();
    expect(drained.value).toBe('drained');
    let snapshots = 0;
    slice
      .get('pc1')!
      .ensureStarted()
      .subscribe(() => (snapshots += 1));
    clock.increment(60_000);
    expect([...(await slice.notifyDeletePending([entry('pc1', 600), entry('pc2', 600)]))]).toEqual(['pc1']);
    expect(snapshots).toBe(0);
    expect(slice.get('pc1')!.ensureStarted().getSnapshot().context.deadline).toBe(drained.context.deadline);
    expect(stateName(slice.get('pc2')!.ensureStarted().getSnapshot().value)).toBe('draining.countdown');
  });

  it('skips a resource value the node already has, and applies a new one', async () => {
    const { slice, runner } = makeSlice();
    runner.when(() => true, HANG);
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.3 }]);
    let snapshots = 0;
    slice
      .get('pc1')!
      .ensureStarted()
      .subscribe(() => (snapshots += 1));
    await slice.notifyDeletePending([entry('pc1', 120)]);
    const afterCountdown = snapshots;
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.3 }]);
    expect(snapshots).toBe(afterCountdown);
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.7 }]);
    expect(slice.get('pc1')!.ensureStarted().getSnapshot().context.value).toBe(0.7);
  });

  it('starts the drains past startBeforeReply after the reply, in call order, with later events queued behind', async () => {
    const { slice, runner } = makeSlice({ startBeforeReply: 1 });
    runner.when(() => true, HANG);
    const state = (nodeId: string) => stateName(slice.get(nodeId)!.ensureStarted().getSnapshot().value);
    expect([...(await slice.notifyDeletePending([entry('pc1', 120), entry('pc2', 120)]))]).toEqual([]);
    expect([state('pc1'), state('pc2')]).toEqual(['draining.countdown', 'allocated.idle']);
    // pc2's completion must not overtake its countdown.
    await slice.notifyDeleteComplete([entry('pc2', 0)]);
    expect(state('pc2')).toBe('allocated.idle');
    // Delivered a slice of the event loop at a time: on a loaded machine, one turn may hold only one event.
    for (let turn = 0; turn < 20 && state('pc2') !== 'deleted'; turn += 1) await flush();
    expect(state('pc2')).toBe('deleted');
    expect(slice.get('pc2')!.ensureStarted().getSnapshot().context.workLost).toBe(true);
  });

  it('drops the drains still waiting to start when the slice stops', async () => {
    const { slice, runner } = makeSlice({ startBeforeReply: 0 });
    runner.when(() => true, HANG);
    await slice.notifyDeletePending([entry('pc1', 120), entry('pc2', 120)]);
    slice.stop();
    await flush();
    expect(runner.calls).toEqual([]);
  });

  it('starts a node’s state machine only when something needs it; values wait in its input', async () => {
    const { slice } = makeSlice();
    const node = slice.get('pc1')!;
    expect(node.started).toBe(false);
    expect(slice.isReleased('pc1')).toBe(false);
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.4 }]);
    expect(node.started).toBe(false);
    // Reading a node never starts its actor: only ensureStarted does.
    expect(node.actor).toBeUndefined();
    expect(node.started).toBe(false);
    expect(node.ensureStarted().getSnapshot().context.value).toBe(0.4);
    expect(stateName(node.ensureStarted().getSnapshot().value)).toBe('allocated.idle');
    expect(FRESH_NODE_STATE).toBe('allocated.idle');
    expect(node.started).toBe(true);
  });
});
