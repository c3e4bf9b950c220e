import { describe, expect, it } from 'vitest';
import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { lifoValues } from '../../src/sim/wave-plan.js';
import { type StateChange, stateName } from '../../src/slice/node-actor.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { settle } from '../helpers/scripted-drain.js';

const entry = (node_id: string, max_wait_time: number, client_id?: string) => ({ node_id, client_id, max_wait_time });
const GRACE_MS = 120_000;

/** A slice where pc1 was revoked, drained and deleted; changes as the journal would see them. */
async function afterDeletion(overrides: Parameters<typeof makeSlice>[0] = {}) {
  const changes: StateChange[] = [];
  const made = makeSlice({ ...overrides, onChange: (change) => changes.push(change) });
  const { slice } = made;
  await slice.notifyDeletePending([entry('pc1', 300, 'node1')]);
  await settle();
  expect([...(await slice.notifyDeletePending([entry('pc1', 240, 'node1')]))]).toEqual(['pc1']);
  await slice.notifyDeleteComplete([entry('pc1', 0, 'node1')]);
  expect(slice.get('pc1')!.ensureStarted().getSnapshot().value).toBe('deleted');
  const snapshot = () => slice.get('pc1')!.ensureStarted().getSnapshot();
  return { ...made, changes, snapshot };
}

describe('a deleted node named again', () => {
  it('is a new incarnation when SetResourceValues lists it with a client_id: it drains again', async () => {
    const { slice, runner, changes, snapshot } = await afterDeletion();
    runner.when(() => true, HANG);
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 0.4 }]);
    expect(stateName(snapshot().value)).toBe('allocated.idle');
    expect(snapshot().context).toMatchObject({
      incarnation: 2,
      value: 0.4,
      released: false,
      deletedAt: null,
      revokedAt: null,
    });
    // Journaled and observed as a change out of `deleted`, with the new incarnation in its context.
    expect(changes.at(-1)).toMatchObject({ nodeId: 'pc1', from: 'deleted', to: 'allocated.idle' });
    expect(changes.at(-1)!.snapshot.context.incarnation).toBe(2);

    expect([...(await slice.notifyDeletePending([entry('pc1', 300, 'node1')]))]).toEqual([]);
    expect(stateName(snapshot().value)).toBe('draining.countdown');
    expect(runner.hangingCount).toBe(1);
  });

  it('stays deleted for a countdown within the grace period (a late repeat): released, nothing runs', async () => {
    const { slice, runner, clock, snapshot } = await afterDeletion();
    const commands = runner.calls.length;
    clock.increment(GRACE_MS - 1_000);
    expect([...(await slice.notifyDeletePending([entry('pc1', 0, 'node1')]))]).toEqual(['pc1']);
    await settle();
    expect(snapshot().value).toBe('deleted');
    expect(snapshot().context.incarnation).toBe(1);
    expect(runner.calls).toHaveLength(commands);
  });

  it('is a new incarnation for a countdown after the grace period', async () => {
    const { slice, runner, clock, snapshot } = await afterDeletion();
    runner.when(() => true, HANG);
    clock.increment(GRACE_MS);
    expect([...(await slice.notifyDeletePending([entry('pc1', 300, 'node1')]))]).toEqual([]);
    expect(stateName(snapshot().value)).toBe('draining.countdown');
    expect(snapshot().context.incarnation).toBe(2);
  });

  it('honours a configured grace period', async () => {
    const { slice, clock, snapshot } = await afterDeletion({ deletedGraceSeconds: 5 });
    clock.increment(4_000);
    expect([...(await slice.notifyDeletePending([entry('pc1', 300, 'node1')]))]).toEqual(['pc1']);
    clock.increment(1_000);
    expect([...(await slice.notifyDeletePending([entry('pc1', 300, 'node1')]))]).toEqual([]);
    expect(snapshot().context.incarnation).toBe(2);
  });

  it('stays deleted for a repeated NotifyDeleteComplete and for values of nodes outside the slice', async () => {
    const { slice, clock, snapshot } = await afterDeletion();
    clock.increment(GRACE_MS * 2);
    await slice.notifyDeleteComplete([entry('pc1', 0, 'node1')]);
    await slice.setResourceValues([{ node_id: 'pc1', value: 0.3 }]);
    expect(snapshot().value).toBe('deleted');
    expect(snapshot().context.incarnation).toBe(1);
  });

  it('takes the client_id the call gives, and an adopted node’s host from the template again', async () => {
    const { slice, clock } = makeSlice({ hostTemplate: '{client_id}.exp.example' });
    await slice.notifyDeletePending([entry('pc7', 0, 'worker-1')]);
    await slice.notifyDeleteComplete([entry('pc7', 0, 'worker-1')]);
    clock.increment(GRACE_MS);
    await slice.setResourceValues([{ node_id: 'pc7', client_id: 'worker-9', value: 1 }]);
    const node = slice.get('pc7')!;
    expect(node.clientId).toBe('worker-9');
    expect(node.target.host).toBe('worker-9.exp.example');
    expect(node.ensureStarted().getSnapshot().context.incarnation).toBe(2);
  });

  it('keeps a configured node’s host across incarnations', async () => {
    const { slice } = await afterDeletion();
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1-again', value: 1 }]);
    expect(slice.get('pc1')!.target.host).toBe('node1.example');
    expect(slice.get('pc1')!.clientId).toBe('node1-again');
  });

  it('values replayed from the journal after a restart do not bring a deleted node back', async () => {
    const { slice, snapshot } = await afterDeletion();
    slice.replayValues([{ node_id: 'pc1', client_id: 'node1', value: 0.9 }]);
    expect(snapshot().value).toBe('deleted');
  });

  it('counts incarnations on: a third life after a second deletion', async () => {
    const { slice, clock, snapshot } = await afterDeletion();
    await slice.setResourceValues([{ node_id: 'pc1', client_id: 'node1', value: 1 }]);
    await slice.notifyDeleteComplete([entry('pc1', 0, 'node1')]);
    expect(snapshot().context).toMatchObject({ incarnation: 2, workLost: true });
    clock.increment(GRACE_MS);
    await slice.notifyDeletePending([entry('pc1', 300, 'node1')]);
    expect(snapshot().context.incarnation).toBe(3);
  });
});

describe('the value direction', () => {
  it('under the default reading, the simulator’s LIFO values prepare the newest nodes, the ones taken first', async () => {
    const nodes = ['pc1', 'pc2', 'pc3', 'pc4', 'pc5'].map((nodeId, i) => ({ nodeId, clientId: `node${i + 1}` }));
    const { slice, runner } = makeSlice({
      plan: compilePlan(
        drainSchema.parse({
          prepare: [{ action: 'command', run: 'touch /tmp/no-new-work', verify: 'true' }],
          graceful: [{ action: 'command', run: 'true', verify: 'true' }],
          prepareAt: 0.4,
        }),
        new ActionRegistry(),
      ),
      prepareAt: 0.4,
    });
    for (const node of nodes.slice(2)) {
      slice.addNode({
        ...node,
        target: { nodeId: node.nodeId, host: `${node.clientId}.example`, port: 22, user: 'root' },
      });
    }
    const values = lifoValues(nodes, 0);
    await slice.setResourceValues(
      values.map((v) => ({ node_id: v.nodeId, client_id: v.clientId ?? undefined, value: v.value })),
    );
    await settle();
    const prepared = runner.calls.filter((c) => c.command === 'touch /tmp/no-new-work').map((c) => c.target.nodeId);
    // Oldest first: values 1, 0.8, 0.6, 0.4, 0.2; the two newest are at or below prepareAt.
    expect(prepared.sort()).toEqual(['pc4', 'pc5']);
  });
});
