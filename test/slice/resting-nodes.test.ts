import { describe, expect, it } from 'vitest';
import { nodeMachine } from '../../machines/node.machine.js';
import { statesTagged } from '../../machines/node.tags.js';
import type { StateChange } from '../../src/slice/node-actor.js';
import { stateName } from '../../src/slice/node-actor.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { settle } from '../helpers/scripted-drain.js';

const entry = (node_id: string, max_wait_time: number, client_id?: string) => ({ node_id, client_id, max_wait_time });

/** A slice whose pc1 has drained and rests; its state changes are collected. */
async function drainedAndResting() {
  const changes: StateChange[] = [];
  const made = makeSlice({ onChange: (change) => changes.push(change) });
  await made.slice.notifyDeletePending([entry('pc1', 120)]);
  await settle();
  return { ...made, changes, node: made.slice.get('pc1')! };
}

describe('a drained node rests: its actor stops, its snapshot stays, an event it must take wakes it', () => {
  it('rests once drained: no actor, the same state, still released', async () => {
    const { node, slice } = await drainedAndResting();
    expect(node.actor).toBeUndefined();
    expect(node.started).toBe(true);
    expect(stateName(node.snapshot?.value)).toBe('drained');
    expect(slice.isReleased('pc1')).toBe(true);
  });

  it('answers a repeated countdown released without waking it, however often it comes', async () => {
    const { node, slice, changes } = await drainedAndResting();
    const before = changes.length;
    for (const wait of [60, 30, 0]) {
      expect([...(await slice.notifyDeletePending([entry('pc1', wait), entry('pc2', 600)]))]).toEqual(['pc1']);
      expect(node.actor).toBeUndefined();
    }
    await settle();
    expect(changes.slice(before).filter((c) => c.nodeId === 'pc1')).toEqual([]);
  });

  it('wakes for its deletion, which it takes as a drained node does (no work lost)', async () => {
    const { node, slice, changes, runner } = await drainedAndResting();
    await slice.notifyDeleteComplete([entry('pc1', 0)]);
    const deleted = changes.at(-1)!;
    expect([deleted.from, deleted.to, deleted.snapshot.context.workLost]).toEqual(['drained', 'deleted', false]);
    expect(deleted.signals.map((s) => s.type)).not.toContain('workLost');
    expect(node.snapshot?.status).toBe('done');
    expect(runner.released).toContain('pc1');
  });

  it('wakes for a value it does not have, keeps it, and rests again; the same value wakes nothing', async () => {
    const { node, slice } = await drainedAndResting();
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.25 }]);
    expect(node.snapshot?.context.value).toBe(0.25);
    await settle();
    expect(node.actor).toBeUndefined();
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.25 }]);
    expect(node.actor).toBeUndefined();
    expect([stateName(node.snapshot?.value), node.snapshot?.context.value]).toEqual(['drained', 0.25]);
  });

  it('rests forced too, and a node whose drain still runs does not rest', async () => {
    const { slice, runner, clock } = makeSlice();
    runner.when((c) => c.target.nodeId === 'pc2', HANG);
    await slice.notifyDeletePending([entry('pc2', 60)]);
    await settle();
    expect(slice.get('pc2')?.actor).toBeDefined();
    clock.increment(60_000);
    await settle();
    const node = slice.get('pc2')!;
    expect([stateName(node.snapshot?.value), node.actor]).toEqual(['forced', undefined]);
    expect([...(await slice.notifyDeletePending([entry('pc2', 30)]))]).toEqual(['pc2']);
  });

  it('is declared on the chart: only states where nothing runs or waits rest', () => {
    const rests = statesTagged('rests');
    expect(rests.sort()).toEqual(['drained', 'forced']);
    for (const path of rests) {
      const state = nodeMachine.getStateNodeById(`node.${path}`);
      expect([state.after, state.invoke, state.always ?? []]).toEqual([[], [], []]);
      expect(state.tags).toContain('released');
    }
  });
});
