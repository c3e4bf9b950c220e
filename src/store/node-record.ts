import type { NodeSnapshot } from '../slice/node-actor.js';
import { stateName } from '../slice/node-actor.js';
import type { SliceNode } from '../slice/slice.js';
import { isRestorable, type NodeRecord, pickMemory } from './records.js';

/** The journal's view of a node after a state change. */
export function nodeRecordOf(node: Pick<SliceNode, 'nodeId' | 'clientId' | 'target'>, snapshot: NodeSnapshot): NodeRecord {
  const state = stateName(snapshot.value);
  if (!isRestorable(state)) throw new Error(`node ${node.nodeId}: state ${state} cannot be journaled`);
  return { nodeId: node.nodeId, clientId: node.clientId, target: node.target, state, memory: pickMemory(snapshot.context) };
}
