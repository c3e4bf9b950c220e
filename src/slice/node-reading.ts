import { initialNodeContext } from '../../machines/node.context.js';
import type { NodeStateName } from '../../machines/node.states.js';
import { isReleased } from '../../machines/node.tags.js';
import { FRESH_NODE_STATE, type NodeContext } from '../../machines/node.types.js';
import type { LazyNode, SliceNode } from './lazy-node.js';
import { stateName } from './node-actor.js';

// What a node is, read without starting or waking its actor: a node whose actor never started is
// allocated and idle, with the context its actor would start with.

/** Which life of its node_id in the slice the node is (see incarnation.ts). */
export function incarnationOf(node: LazyNode): number {
  return node.snapshot?.context.incarnation ?? node.input.incarnation ?? 1;
}

/** Allocated and idle (tagged `idle`): nothing runs on the node and nothing about it is under way. */
export function isIdle(node: LazyNode): boolean {
  const { snapshot } = node;
  if (snapshot === undefined) return true;
  return snapshot.status === 'active' && snapshot.hasTag('idle');
}

/** Whether the cluster may take the node now (an unstarted node is allocated: it may not). */
export function releasedNow(node: SliceNode): boolean {
  return node.snapshot !== undefined && isReleased(node.snapshot);
}

/**
 * The node's context and state, read without starting its actor: a node nothing needed yet is
 * allocated and idle, with the context its actor would start with. Views (the status API, metrics,
 * the dashboard) read nodes this way; only the mailbox starts actors (node-mailbox.ts).
 */
export function peek(node: SliceNode): { context: NodeContext; state: NodeStateName } {
  const { snapshot } = node;
  if (snapshot) return { context: snapshot.context, state: stateName(snapshot.value) };
  return { context: initialNodeContext(node.input), state: FRESH_NODE_STATE };
}
