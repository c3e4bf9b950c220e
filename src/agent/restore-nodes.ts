import type { Logger } from 'pino';
import { stateHasTag } from '../../machines/node.tags.js';
import type { NodeRestore } from '../../machines/node.types.js';
import type { ListedNode } from '../node-list/listed-node.js';
import { targetOfListed } from '../slice/node-list.js';
import type { Slice } from '../slice/slice.js';
import { restoreFromJournal } from '../store/node-record.js';
import type { NodeRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RestoreDeps {
  slice: Slice;
  /** The node list as read at start (a read that succeeded: a start that cannot read it stops). */
  listed: readonly ListedNode[];
  store: Store | undefined;
  stepCrashLimit: number;
  logger: Logger;
}

const sameLogin = ({ target }: NodeRecord, node: ListedNode) =>
  target.host === node.host && target.port === node.port && target.user === node.user;

/** Whether nothing is under way on a journaled node: a start may move it to the host the list gives it now. */
const atRest = (record: NodeRecord) => stateHasTag(record.state, 'idle') || stateHasTag(record.state, 'gone');

/**
 * Rebuilds the slice as the journal left it, against the node list read at this start:
 * - node_ids outside the slice's nodes get their journaled life back (left, unknown, parked);
 * - listed nodes are added, each journaled one rebuilt in its state (its actor starts: deadlines
 *   re-arm, interrupted drains resume over SSH). A node with something under way keeps the host
 *   it was journaled with: its drain goes on where its jobs are, whatever the list says now;
 * - journaled nodes the list does not hold: adopted ones come back with their host; the others left
 *   the slice, as a read at run time decides (node-list.ts: those past idle were taken without their
 *   NotifyDeleteComplete), journaled so;
 * - then the values the cluster sent before the restart, for the slice's nodes only: replayed
 *   values bring no node back, adopt none and release none.
 * Returns the journaled nodes that left the slice.
 */
export function restoreNodes(deps: RestoreDeps): string[] {
  const { slice, listed, store, logger } = deps;
  const recovered = store?.recovered ?? new Map<string, NodeRecord>();
  for (const [nodeId, life] of store?.recoveredLives ?? []) {
    const { nodeId: _id, ...rest } = life;
    if (rest.life !== 'gone') slice.lives.restore(nodeId, rest);
  }
  const restoreOf = (record: NodeRecord | undefined): NodeRestore | undefined =>
    record && store && restoreFromJournal(record, store.interrupted, deps.stepCrashLimit, logger);
  for (const node of listed) {
    const record = recovered.get(node.nodeId);
    const moved = record !== undefined && !atRest(record) && !sameLogin(record, node);
    if (moved) {
      logger.warn(
        { nodeId: node.nodeId, journaled: record.target.host, listed: node.host, state: record.state },
        'node list moved a node that is not at rest: it keeps its journaled host until it is',
      );
    }
    const identity = moved
      ? { nodeId: node.nodeId, clientId: record.clientId, target: record.target }
      : { nodeId: node.nodeId, clientId: node.clientId, target: targetOfListed(node) };
    slice.addNode(identity, restoreOf(record), { atStart: true });
  }
  for (const record of recovered.values()) {
    // Records of earlier releases carry no `adopted`: the list decides, as for a node listed before.
    if (!slice.get(record.nodeId)) slice.addNode(record, restoreOf(record), { adopted: record.adopted === true });
  }
  // The read this start made is evidence as any read is: the journaled nodes it does not list left
  // the slice (those past idle were taken without their NotifyDeleteComplete), as at run time.
  const departed = slice.applyNodeList(listed).removed;
  if (departed.length > 0) {
    const message = 'journaled nodes the node list does not hold: out of the slice';
    logger.info({ count: departed.length, nodeIds: departed.slice(0, 20) }, message);
  }
  // Node records hold the value as of their last state change; the cluster's later values come back here.
  const values = store?.recoveredValues ?? [];
  if (values.length > 0) {
    slice.replayValues([...values]);
    logger.info({ nodes: values.length }, 'resource values restored');
  }
  return departed;
}
