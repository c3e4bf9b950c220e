import type { ListedNode } from '../node-list/listed-node.js';
import type { SshTarget } from '../ssh/runner-types.js';
import type { LazyNode } from './lazy-node.js';
import { pastIdle } from './lost-deletion.js';
import type { NodeRegistry } from './node-registry.js';

/** What applying a node list changed, by node_id. */
export interface NodeListChange {
  added: string[];
  /** Out of the slice: idle, deleted, or released and taken without their NotifyDeleteComplete. */
  removed: string[];
  /** Listed with another host, port, user or client_id while idle: taken out and added again. */
  moved: string[];
  /** Left the list (or moved) while busy: kept as they are, until a later list finds them idle. */
  busy: string[];
}

export const targetOfListed = (node: ListedNode): SshTarget => ({
  nodeId: node.nodeId,
  host: node.host,
  port: node.port,
  user: node.user,
});

const sameLogin = (node: LazyNode, listed: ListedNode): boolean =>
  node.clientId === listed.clientId &&
  node.target.host === listed.host &&
  node.target.port === listed.port &&
  node.target.user === listed.user;

/** What applying a node list may do to a node of the slice (the slice's rules: see slice.ts). */
export interface NodeListOps {
  /** Takes an idle node out of the slice; false when it is not idle (or events wait for it). */
  remove(node: LazyNode, why: string): boolean;
  /** The node was taken without its NotifyDeleteComplete (which the cluster never resends): it is deleted. */
  takeAsDeleted(node: LazyNode, why: string): void;
}

/**
 * Makes the slice's listed nodes those of `listed`, a read that succeeded: new ones are added (a
 * node that left comes back as its next incarnation). A node no longer listed left the slice: an
 * idle or deleted one goes out; any other (draining, held, drained, forced) was taken without the
 * NotifyDeleteComplete that says so: it is deleted (a running drain stops), then goes out. If it
 * comes back it is its next incarnation and drains again. A node listed with another login is moved
 * only while idle. A deleted node still listed stays (its deletion is remembered, see
 * incarnation.ts) and is reached at its listed login when it is back. Nodes learned from calls
 * (adopted) that the list does not name are left to the calls.
 */
export function applyNodeList(registry: NodeRegistry, listed: readonly ListedNode[], ops: NodeListOps): NodeListChange {
  const change: NodeListChange = { added: [], removed: [], moved: [], busy: [] };
  const wanted = new Set<string>();
  for (const node of listed) {
    wanted.add(node.nodeId);
    const current = registry.nodes.get(node.nodeId);
    const identity = { nodeId: node.nodeId, clientId: node.clientId, target: targetOfListed(node) };
    if (current === undefined) {
      registry.add(identity);
      change.added.push(node.nodeId);
      continue;
    }
    // Named by the list: the list's node now, not one adopted from a call (whatever happens below).
    registry.listed(current);
    if (current.deleted) current.target = identity.target;
    else if (!sameLogin(current, node)) {
      if (!ops.remove(current, 'listed with another login')) change.busy.push(node.nodeId);
      else {
        registry.add(identity);
        change.moved.push(node.nodeId);
      }
    }
  }
  for (const node of [...registry.nodes.values()]) {
    if (wanted.has(node.nodeId) || node.adopted) continue;
    if (pastIdle(node)) ops.takeAsDeleted(node, 'no longer in the node list');
    if (node.deleted) {
      registry.remove(node, 'deleted, and no longer in the node list');
      change.removed.push(node.nodeId);
    } else if (ops.remove(node, 'no longer in the node list')) change.removed.push(node.nodeId);
    else change.busy.push(node.nodeId);
  }
  return change;
}
