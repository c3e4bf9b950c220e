import { describe, expect, it } from 'vitest';
import { Observer } from '../../src/observe/observer.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeSlice } from '../helpers/fake-slice.js';

describe('listing the nodes of a slice at rest', () => {
  it('shows 10,000 idle nodes through the status API and metrics without starting one actor', async () => {
    const { slice } = makeSlice();
    const listed = Array.from({ length: 10_000 }, (_, i) => ({
      nodeId: `pc${i}`,
      clientId: `node${i}`,
      host: `node${i}.example.test`,
      port: 22,
      user: 'root',
      source: 'config',
    }));
    slice.applyNodeList(listed);
    await slice.setResourceValues([{ node_id: 'pc7', client_id: 'node7', value: 0.8 }]);
    const { logger } = captureLogger();
    const observer = new Observer({ logger, now: Date.now, slice: () => slice });
    try {
      const views = observer.nodes({ withTimeline: true });
      expect(views).toHaveLength(10_000);
      expect(views[7]).toMatchObject({ nodeId: 'pc7', stateName: 'allocated.idle', value: 0.8, released: false });
      expect(observer.view('pc9999')).toMatchObject({ state: 'allocated', incarnation: 1, deadline: null });
      expect(observer.countByState().get('allocated.idle')).toBe(10_000);
      expect(slice.list().filter((node) => node.started)).toEqual([]);
    } finally {
      await observer.close();
    }
  });
});
