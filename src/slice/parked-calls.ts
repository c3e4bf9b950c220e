import type { Logger } from 'pino';
import type { NodeEntry } from '../protocol/client-methods.js';
import type { NodeLives, Parked } from './node-lives.js';
import type { Slice } from './slice.js';

/**
 * Applies what the calls said of a parked node, once a read of the node list has succeeded (or at
 * start, after the read every start makes): the node is then one of the slice's (the read listed it,
 * or the policy adopts it) or it is not (left, or unknown). Its countdown keeps the cluster's
 * deadline; a node the cluster could not wait for is told so again, so it stays released.
 */
async function settleParked(slice: Slice, lives: NodeLives, nodeId: string, now: number): Promise<void> {
  const life = lives.get(nodeId);
  if (life?.life !== 'parked') return;
  if (slice.get(nodeId) !== undefined) lives.joined(nodeId);
  else if (life.left) lives.set(nodeId, { life: 'left', ...life.left, why: 'named again: looked up' });
  else lives.forget(nodeId);
  if (life.values) await slice.setResourceValues([life.values]);
  if (life.countdown) await slice.notifyDeletePending([late({ ...life, countdown: life.countdown }, now)]);
}

/**
 * The parked countdown with the time it waited taken off, so the deadline stays the cluster's. A
 * deadline that passed while the node waited leaves it one second: its drain starts and the node is
 * forced at that deadline (a recorded reason), never released as though the cluster could not wait.
 */
function late(parked: Parked & { countdown: { entry: NodeEntry; at: number } }, now: number): NodeEntry {
  const { entry, at } = parked.countdown;
  if (parked.noWait) return { ...entry, max_wait_time: 0 };
  const waited = Math.ceil((now - at) / 1000);
  return { ...entry, max_wait_time: Math.max(1, (entry.max_wait_time ?? 0) - waited) };
}

/**
 * Every parked node settled, in the order they were parked: after a read that succeeded, or at start.
 * A node whose calls cannot be applied (refused: too many unknown nodes) is logged, never thrown.
 */
export async function settleAllParked(slice: Slice, now: () => number, log: Logger): Promise<void> {
  for (const nodeId of slice.lives.parked()) {
    try {
      await settleParked(slice, slice.lives, nodeId, now());
    } catch (error) {
      log.warn(
        { nodeId, err: error instanceof Error ? error.message : String(error) },
        'call for a node that waited for the node list not applied',
      );
    }
  }
}
