import type { NodeEntry } from '../protocol/client-methods.js';
import type { LazyNode } from './lazy-node.js';
import { isIdle } from './node-reading.js';

/**
 * Something of its life in the slice is under way or done (prepared, draining, held, drained,
 * forced), and it is not deleted: if the cluster took it, the NotifyDeleteComplete that says so may
 * be lost (the cluster sends it once and ignores the answer).
 */
export function pastIdle(node: LazyNode): boolean {
  return !isIdle(node) && !node.deleted;
}

/**
 * The evidence in a SetResourceValues entry that the cluster took a node of the slice past idle
 * without its NotifyDeleteComplete, or null: entries carry a client_id only for the slice's nodes,
 * so one without names a node outside the slice, and one with another client_id names the node in
 * a new life. An idle node is left as it is (a configured node list may name nodes the cluster does not).
 */
export function takenWithoutDeletion(node: LazyNode | undefined, entry: NodeEntry): string | null {
  if (node === undefined || !pastIdle(node)) return null;
  if (entry.client_id === undefined) return 'SetResourceValues names it outside the slice (no client_id)';
  if (node.clientId !== null && entry.client_id !== node.clientId)
    return `SetResourceValues names it with another client_id (${entry.client_id})`;
  return null;
}
