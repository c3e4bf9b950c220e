import type { Logger } from 'pino';
import type { ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import type { Slice } from './slice.js';

interface Parked {
  values?: NodeEntry;
  countdown?: { entry: NodeEntry; at: number };
}

export interface NodeLookupDeps {
  /** Re-reads the node list; resolves once a read that started after this call has ended (never rejects). */
  lookUp(): Promise<unknown>;
  logger: Logger;
  now: () => number;
  /** Nodes waiting for a read at most; past it, unknown nodes get the unknown-node policy at once. */
  max: number;
}

/**
 * In front of a slice whose node list is a manifest: a call naming a node the agent does not know
 * starts a re-read of the manifest, and the node waits for it: a countdown is answered with the node
 * kept (as it came; released when the cluster cannot wait, max_wait_time 0), and once the read has
 * said what the node is, what the calls said of it is applied (the unknown-node policy if the read
 * did not list it). The reply never waits for the read.
 */
export class NodeLookupHandlers implements ClientEndpointHandlers {
  private readonly parked = new Map<string, Parked>();
  private readonly log: Logger;
  private stopped = false;

  constructor(
    private readonly slice: Slice,
    private readonly deps: NodeLookupDeps,
  ) {
    this.log = deps.logger.child({ component: 'nodes' });
  }

  async setResourceValues(nodes: NodeEntry[]): Promise<void> {
    // Entries without client_id describe nodes outside the slice: nothing to look up.
    const { known, waiting } = this.split(nodes, (entry) => entry.client_id !== undefined);
    for (const entry of waiting) this.parkedOf(entry.node_id).values = entry;
    this.lookUp(waiting);
    await this.slice.setResourceValues(known);
  }

  async notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    const { known, waiting } = this.split(nodes, () => true);
    const at = this.deps.now();
    for (const entry of waiting) this.parkedOf(entry.node_id).countdown = { entry, at };
    this.lookUp(waiting);
    const released = await this.slice.notifyDeletePending(known);
    for (const entry of waiting) if ((entry.max_wait_time ?? 0) === 0) released.add(entry.node_id);
    return released;
  }

  notifyDeleteComplete(nodes: NodeEntry[]): Promise<void> {
    for (const entry of nodes) this.parked.delete(entry.node_id);
    return this.slice.notifyDeleteComplete(nodes);
  }

  /** Forgets the waiting calls: a read that ends after the agent stopped applies nothing. */
  stop(): void {
    this.stopped = true;
    this.parked.clear();
  }

  /** Entries for nodes the slice knows (or reports released) go on; the others wait for a read. */
  private split(nodes: NodeEntry[], mayWait: (entry: NodeEntry) => boolean) {
    const known: NodeEntry[] = [];
    const waiting: NodeEntry[] = [];
    for (const entry of nodes) {
      const id = entry.node_id;
      const unknown = mayWait(entry) && this.slice.get(id) === undefined && !this.slice.isReleased(id);
      if (unknown && (this.parked.has(id) || this.parked.size < this.deps.max)) waiting.push(entry);
      else known.push(entry);
    }
    return { known, waiting };
  }

  private parkedOf(nodeId: string): Parked {
    let parked = this.parked.get(nodeId);
    if (!parked) this.parked.set(nodeId, (parked = {}));
    return parked;
  }

  private lookUp(waiting: NodeEntry[]): void {
    if (waiting.length === 0) return;
    const ids = waiting.map((entry) => entry.node_id);
    this.log.info(
      { count: ids.length, nodeIds: ids.slice(0, 5) },
      'call names nodes the agent does not know: re-reading the node list',
    );
    void this.deps.lookUp().then(() => this.settle(ids));
  }

  /** Applies what the calls said of the nodes that waited, now that a read has said what they are. */
  private async settle(ids: string[]): Promise<void> {
    for (const id of new Set(ids)) {
      const parked = this.parked.get(id);
      if (!parked || this.stopped) continue;
      this.parked.delete(id);
      try {
        if (parked.values) await this.slice.setResourceValues([parked.values]);
        if (parked.countdown) await this.slice.notifyDeletePending([this.late(parked.countdown)]);
      } catch (error) {
        this.log.warn(
          { nodeId: id, err: error instanceof Error ? error.message : String(error) },
          'call for a node that waited for the node list not applied',
        );
      }
    }
  }

  /** The countdown entry with the time it waited taken off, so the deadline stays the cluster's. */
  private late({ entry, at }: { entry: NodeEntry; at: number }): NodeEntry {
    const waited = Math.ceil((this.deps.now() - at) / 1000);
    return { ...entry, max_wait_time: Math.max(0, (entry.max_wait_time ?? 0) - waited) };
  }
}
