import type { NodeEntry } from '../protocol/client-methods.js';
import type { JournalRecord, LifeRecord, NodeRecord } from './records.js';
import type { Snapshot } from './snapshot-file.js';

/**
 * What the journal says now, record by record: each node's last record, each node_id outside the
 * slice's nodes with its life (left, unknown, parked), and the cluster's last value per node. The
 * same fold builds it at start (snapshot, then the journal after it) and keeps it while the agent
 * runs, so a snapshot holds exactly what a restart would have read.
 */
export class StateImage {
  readonly nodes = new Map<string, NodeRecord>();
  readonly lives = new Map<string, LifeRecord>();
  /** The last SetResourceValues entry per node_id, of calls that were applied (not refused). */
  readonly values = new Map<string, NodeEntry>();

  static of(snapshot: Snapshot | null): StateImage {
    const image = new StateImage();
    for (const node of snapshot?.nodes ?? []) image.nodes.set(node.nodeId, node);
    for (const life of snapshot?.lives ?? []) image.lives.set(life.nodeId, life);
    for (const entry of snapshot?.values ?? []) image.values.set(entry.node_id, entry);
    return image;
  }

  apply(record: JournalRecord): void {
    if (record.kind === 'node') {
      const { v: _v, seq: _s, t: _t, kind: _k, ...node } = record;
      this.node(node);
    } else if (record.kind === 'life') {
      const { v: _v, seq: _s, t: _t, kind: _k, ...life } = record;
      this.life(life);
    } else if (record.kind === 'call' && record.method === 'SetResourceValues' && record.refused === undefined) {
      this.applied(record.nodes);
    }
  }

  /** A node of the slice changed: it is a node of the slice, whatever life it had before. */
  node(node: NodeRecord): void {
    this.nodes.set(node.nodeId, node);
    this.lives.delete(node.nodeId);
  }

  /** A node_id outside the slice's nodes changed life; `gone` forgets it. */
  life(life: LifeRecord): void {
    this.nodes.delete(life.nodeId);
    if (life.life === 'gone') this.lives.delete(life.nodeId);
    else this.lives.set(life.nodeId, life);
  }

  /** The values of a SetResourceValues call the agent applied. */
  applied(entries: readonly NodeEntry[]): void {
    for (const entry of entries) this.values.set(entry.node_id, entry);
  }

  snapshot(seq: number, t: number, version: number): Snapshot {
    return {
      version,
      seq,
      t,
      nodes: [...this.nodes.values()],
      lives: [...this.lives.values()],
      values: [...this.values.values()],
    };
  }
}
