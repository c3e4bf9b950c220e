import type { SshTarget } from '../ssh/ssh-runner.js';
import type { LazyNode } from './lazy-node.js';
import type { ListedNode } from './listed-node.js';
import type { NodeRegistry } from './node-registry.js';

/** What applying a node list changed, by node_id. */
export interface NodeListChange {
  added: string[];
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

/**
 * Makes the slice's listed nodes those of `listed`: new ones are added (a node taken out earlier
 * comes back as its next incarnation); idle ones no longer listed are taken out; a node that is
 * draining, drained or held is never taken out or moved. Deleted nodes stay (their deletion is
 * remembered, see incarnation.ts): a listed one is reached at its listed login when it is back.
 * Nodes learned from calls (adopted) that the list does not name are left to the calls.
 */
export function applyNodeList(
  registry: NodeRegistry,
  listed: readonly ListedNode[],
  remove: (node: LazyNode) => boolean,
): NodeListChange {
  const change: NodeListChange = { added: [], removed: [], moved: [], busy: [] };
  const wanted = new Set<string>();
  for (const node of listed) {
    wanted.add(node.nodeId);
    const current = registry.nodes.get(node.nodeId);
    const identity = { nodeId: node.nodeId, clientId: node.clientId, target: targetOfListed(node) };
    if (current === undefined) {
      registry.add(identity);
      change.added.push(node.nodeId);
    } else if (current.deleted) {
      current.target = identity.target;
      current.adopted = false;
    } else if (sameLogin(current, node)) {
      current.adopted = false;
    } else if (remove(current)) {
      registry.add(identity);
      change.moved.push(node.nodeId);
    } else {
      change.busy.push(node.nodeId);
    }
  }
  for (const node of [...registry.nodes.values()]) {
    if (wanted.has(node.nodeId) || node.adopted || node.deleted) continue;
    if (remove(node)) change.removed.push(node.nodeId);
    else change.busy.push(node.nodeId);
  }
  return change;
}
