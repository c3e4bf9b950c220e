import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtoGeniCode } from '../../src/protocol/codes.js';
import { makeSlice } from '../helpers/fake-slice.js';

const entry = (node_id: string, max_wait_time: number, client_id?: string) => ({ node_id, client_id, max_wait_time });
const unknown = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => entry(`x${from + i}`, 300, `w${from + i}`));

describe('unknown nodes named by calls', () => {
  it('are bounded: a call that would pass unknownNodes.max is refused whole with TOOBIG, nothing applied', async () => {
    const { slice, runner } = makeSlice({ hostTemplate: '{client_id}.exp.example', maxUnknownNodes: 5 });
    await slice.notifyDeletePending(unknown(0, 3));
    const refused = slice.notifyDeletePending([entry('pc1', 300), ...unknown(3, 3)]);
    await expect(refused).rejects.toThrow(ProtocolError);
    await expect(refused).rejects.toMatchObject({ code: ProtoGeniCode.TOOBIG, field: 'nodelist' });
    // Nothing of the refused call happened: the known node did not start draining, no node was added.
    expect(slice.get('pc1')!.started).toBe(false);
    expect(slice.get('x3')).toBeUndefined();
    expect(runner.calls.every((c) => ['x0', 'x1', 'x2'].includes(c.target.nodeId))).toBe(true);
    // Nodes it already tracks, and new ones up to the bound, still pass.
    await slice.notifyDeletePending([...unknown(0, 3), ...unknown(3, 2)]);
    expect(slice.get('x4')).toBeDefined();
  });

  it('counts nodes reported released until the cluster deletes them', async () => {
    const { slice } = makeSlice({ unknownNodes: 'release', maxUnknownNodes: 2 });
    expect([...(await slice.notifyDeletePending(unknown(0, 2)))]).toEqual(['x0', 'x1']);
    await expect(slice.notifyDeletePending(unknown(2, 1))).rejects.toMatchObject({ code: ProtoGeniCode.TOOBIG });
    await slice.notifyDeleteComplete(unknown(0, 2));
    expect([...(await slice.notifyDeletePending(unknown(2, 1)))]).toEqual(['x2']);
  });

  it('values for nodes outside the slice (no client_id) never count', async () => {
    const { slice } = makeSlice({ hostTemplate: '{client_id}.exp.example', maxUnknownNodes: 1 });
    await slice.setResourceValues(Array.from({ length: 50 }, (_, i) => ({ node_id: `o${i}`, value: 0.5 })));
    await slice.setResourceValues([{ node_id: 'x0', client_id: 'w0', value: 0.5 }]);
    await expect(slice.setResourceValues([{ node_id: 'x1', client_id: 'w1', value: 0.5 }])).rejects.toMatchObject({
      code: ProtoGeniCode.TOOBIG,
    });
  });

  it('an adopted node that the node list names later no longer counts against the bound', async () => {
    const { slice } = makeSlice({ hostTemplate: '{client_id}.exp.example', maxUnknownNodes: 1 });
    await slice.setResourceValues([{ node_id: 'x0', client_id: 'w0', value: 0.5 }]);
    await expect(slice.setResourceValues([{ node_id: 'x1', client_id: 'w1', value: 0.5 }])).rejects.toMatchObject({
      code: ProtoGeniCode.TOOBIG,
    });
    // The manifest lists x0 now (same login): it is the list's node, and a new unknown node fits again.
    slice.applyNodeList([
      { nodeId: 'x0', clientId: 'w0', host: 'w0.exp.example', port: 22, user: 'root', source: 'm' },
    ]);
    await slice.setResourceValues([{ node_id: 'x1', client_id: 'w1', value: 0.5 }]);
    expect(slice.get('x1')).toBeDefined();
  });
});
