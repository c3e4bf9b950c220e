import type { Scenario } from './scenario.js';
import type { SimNode } from './sim-record.js';

export interface PlannedWave {
  index: number;
  tick: number;
  nodes: SimNode[];
}

/**
 * Which nodes each wave revokes. `nodes` are oldest first; a `count` wave takes the newest nodes
 * not yet revoked (the cluster reclaims LIFO). Named nodes the slice does not hold are kept, with
 * no client_id, so a scenario can test how the agent treats unknown nodes.
 */
export function planWaves(nodes: readonly SimNode[], waves: Scenario['waves']): PlannedWave[] {
  const remaining = [...nodes];
  return waves.map((wave, index) => {
    let picked: SimNode[];
    if (wave.nodes !== undefined) {
      picked = wave.nodes.map((nodeId) => {
        const at = remaining.findIndex((n) => n.nodeId === nodeId);
        return at === -1
          ? (nodes.find((n) => n.nodeId === nodeId) ?? { nodeId, clientId: null })
          : remaining.splice(at, 1)[0]!;
      });
    } else {
      const count =
        wave.count === 'rest' || wave.count === undefined ? remaining.length : Math.min(wave.count, remaining.length);
      picked = remaining.splice(remaining.length - count, count).reverse();
    }
    return { index, tick: wave.tick, nodes: picked };
  });
}

/** LIFO values: the oldest node is worth 1 to the cluster, the newest 1/n (it goes first). */
export function lifoValues(nodes: readonly SimNode[], otherNodes: number): Array<SimNode & { value: number }> {
  const n = nodes.length;
  const slice = nodes.map((node, i) => ({ ...node, value: Math.round(((n - i) / n) * 1000) / 1000 }));
  const others = Array.from({ length: otherNodes }, (_, i) => ({
    nodeId: `other${i + 1}`,
    clientId: null,
    value: 0.5,
  }));
  return [...slice, ...others];
}
