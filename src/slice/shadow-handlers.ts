import type { Logger } from 'pino';
import type { CallContext, ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';

/** One node as shadow mode saw it. */
export interface ShadowNodeRecord {
  nodeId: string;
  clientId: string | null;
  /** Countdown calls that named the node. */
  countdowns: number;
  firstMaxWaitTime: number;
  /** The countdown call (1 = the first naming the node) whose reply would have released it. */
  wouldReleaseAt: { countdown: number; maxWaitTime: number; at: number } | null;
  deletedAt: number | null;
}

export interface ShadowSummary {
  nodes: ShadowNodeRecord[];
  /** Nodes that would have been released before their deadline. */
  wouldRelease: number;
  /** Seconds the cluster would have had those nodes back early, summed. */
  wouldGiveBackSeconds: number;
}

/**
 * Shadow mode: forwards every call to the real handlers (the slice, on a dry-run runner) but answers
 * every countdown with nothing released, recording when each node *would* have been released.
 */
export class ShadowHandlers implements ClientEndpointHandlers {
  private readonly records = new Map<string, ShadowNodeRecord>();
  private readonly log: Logger;

  constructor(
    private readonly inner: ClientEndpointHandlers,
    private readonly deps: { logger: Logger; now: () => number },
  ) {
    this.log = deps.logger.child({ component: 'shadow' });
  }

  setResourceValues(nodes: NodeEntry[], call?: CallContext): Promise<void> {
    return this.inner.setResourceValues(nodes, call);
  }

  async notifyDeletePending(nodes: NodeEntry[], call?: CallContext): Promise<Set<string>> {
    const released = await this.inner.notifyDeletePending(nodes, call);
    const at = this.deps.now();
    for (const entry of nodes) {
      const maxWaitTime = entry.max_wait_time ?? 0;
      const record = this.recordOf(entry, maxWaitTime);
      record.countdowns += 1;
      // A node the cluster cannot wait for is given back either way: nothing to learn from it.
      if (record.wouldReleaseAt === null && released.has(entry.node_id) && maxWaitTime > 0) {
        record.wouldReleaseAt = { countdown: record.countdowns, maxWaitTime, at };
        this.log.info(
          { nodeId: entry.node_id, countdown: record.countdowns, wouldGiveBackSeconds: maxWaitTime },
          'shadow: node would have been released',
        );
      }
    }
    return new Set();
  }

  async notifyDeleteComplete(nodes: NodeEntry[], call?: CallContext): Promise<void> {
    await this.inner.notifyDeleteComplete(nodes, call);
    const at = this.deps.now();
    for (const entry of nodes) {
      const record = this.records.get(entry.node_id);
      if (record) record.deletedAt = at;
    }
  }

  summary(): ShadowSummary {
    const nodes = [...this.records.values()].map((r) => ({ ...r }));
    const released = nodes.filter((n) => n.wouldReleaseAt !== null);
    return {
      nodes,
      wouldRelease: released.length,
      wouldGiveBackSeconds: released.reduce((sum, n) => sum + (n.wouldReleaseAt?.maxWaitTime ?? 0), 0),
    };
  }

  /** Logs the what-if report (on stop). */
  logSummary(): ShadowSummary {
    const summary = this.summary();
    this.log.info(summary, 'shadow what-if summary');
    return summary;
  }

  private recordOf(entry: NodeEntry, maxWaitTime: number): ShadowNodeRecord {
    let record = this.records.get(entry.node_id);
    if (!record) {
      record = {
        nodeId: entry.node_id,
        clientId: entry.client_id ?? null,
        countdowns: 0,
        firstMaxWaitTime: maxWaitTime,
        wouldReleaseAt: null,
        deletedAt: null,
      };
      this.records.set(entry.node_id, record);
    }
    return record;
  }
}
