import type { Logger } from 'pino';
import type { NodeRestore } from '../../machines/node.types.js';
import type { ListedNode } from '../slice/listed-node.js';
import { targetOfListed } from '../slice/node-list.js';
import type { Slice } from '../slice/slice.js';
import { restoreFromJournal } from '../store/node-record.js';
import type { NodeRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RestoreDeps {
  slice: Slice;
  /** The node list as read at start. */
  listed: readonly ListedNode[];
  store: Store | undefined;
  stepCrashLimit: number;
  /** The node list is a manifest read again later: journaled idle nodes it does not list leave the slice. */
  listIsManifest: boolean;
  logger: Logger;
}

/**
 * Puts the slice's nodes in: the listed ones, and those the journal knew, rebuilt as it left them
 * (their actors start: deadlines re-arm and interrupted drains resume over SSH), then the values the
 * cluster sent before the restart. Returns the journaled idle nodes that left the slice.
 */
export function restoreNodes(deps: RestoreDeps): string[] {
  const { slice, listed, store, logger } = deps;
  const recovered = store?.recovered ?? new Map<string, NodeRecord>();
  const restoreOf = (record: NodeRecord | undefined): NodeRestore | undefined =>
    record && store && restoreFromJournal(record, store.interrupted, deps.stepCrashLimit, logger);
  for (const node of listed) {
    const { nodeId, clientId } = node;
    slice.addNode({ nodeId, clientId, target: targetOfListed(node) }, restoreOf(recovered.get(nodeId)));
  }
  // Nodes learned from calls before the restart come back with the host they had.
  const unlisted = [...recovered.values()].filter((record) => !slice.get(record.nodeId));
  for (const record of unlisted) slice.addNode(record, restoreOf(record), { adopted: true });
  // Node records hold the value as of their last state change; the cluster's later values come back here.
  const values = store?.recoveredValues ?? [];
  if (values.length > 0) {
    slice.replayValues([...values]);
    logger.info({ nodes: values.length }, 'resource values restored');
  }
  // A manifest is the node list: journaled idle nodes it does not list are out of the slice, as a
  // re-read takes them out.
  if (!deps.listIsManifest) return [];
  const departed = unlisted.filter((record) => slice.removeNode(record.nodeId)).map((record) => record.nodeId);
  if (departed.length > 0) {
    const message = 'journaled idle nodes the manifest does not list: out of the slice';
    logger.info({ count: departed.length, nodeIds: departed.slice(0, 20) }, message);
  }
  return departed;
}
