import type { NodeEntry } from '../protocol/client-methods.js';

/**
 * What the agent knows of a node_id the cluster named that is not a node of the slice now (the
 * slice's nodes, each with its incarnation and host, are the registry's: see node-registry.ts):
 * - `left`: it was one of them and left on evidence (a read of the node list that succeeded and no
 *   longer lists it, its deletion); named again, it is looked up and, if back, its next incarnation.
 * - `unknown`: named by a call, and the node list does not hold it after a look-up that succeeded
 *   (or the configuration, which needs none): reported released until the cluster deletes it.
 * - `parked`: waiting for a read of the node list that succeeds; answered with its wait meanwhile,
 *   released only once the cluster sent max_wait_time 0 for it (and then until it is settled).
 */
export type NodeLife =
  | {
      life: 'left';
      /** Its last incarnation in the slice (0: it never was one of the slice's nodes). */
      incarnation: number;
      /** When the cluster deleted it (or the agent inferred it): a countdown soon after repeats the deletion. */
      deletedAt: number | null;
      why: string;
    }
  | {
      life: 'unknown';
      /** The life of the node_id it stands for: one more than its last incarnation, for a node that left. */
      incarnation?: number;
      why: string;
    }
  | {
      life: 'parked';
      since: number;
      /** The cluster sent max_wait_time 0 for it: every reply says released until it is settled. */
      noWait: boolean;
      /** The latest countdown entry that named it, and when it came. */
      countdown?: { entry: NodeEntry; at: number };
      /** The latest SetResourceValues entry that named it (with its client_id). */
      values?: NodeEntry;
      /** What it was before it was named again: a node that left, its incarnation and deletion. */
      left?: { incarnation: number; deletedAt: number | null };
    };

export type Parked = Extract<NodeLife, { life: 'parked' }>;
export type Left = Extract<NodeLife, { life: 'left' }>;

/** A change of life as the journal records it; `gone`: nothing is kept of the node_id any more. */
export type LifeChange = { nodeId: string } & (NodeLife | { life: 'gone' });

/**
 * Node_ids outside the slice's nodes, each with its life. Every change that a reply or a restart
 * depends on goes to `journal` as it is made (the store writes it before the reply leaves); a
 * restart puts the journaled lives back with `restore`.
 */
export class NodeLives {
  private readonly lives = new Map<string, NodeLife>();
  private readonly counts = { left: 0, unknown: 0, parked: 0 };

  constructor(private readonly journal: (change: LifeChange) => void = () => undefined) {}

  get(nodeId: string): NodeLife | undefined {
    return this.lives.get(nodeId);
  }

  count(life: NodeLife['life']): number {
    return this.counts[life];
  }

  /** The parked node_ids, in the order they were parked. */
  parked(): string[] {
    return [...this.lives].flatMap(([id, life]) => (life.life === 'parked' ? [id] : []));
  }

  set(nodeId: string, life: NodeLife): void {
    this.put(nodeId, life);
    this.journal({ nodeId, ...life });
  }

  /** Forgets the node_id (journaled as `gone` when it had a life). */
  forget(nodeId: string): void {
    if (this.put(nodeId, undefined)) this.journal({ nodeId, life: 'gone' });
  }

  /**
   * The cluster deleted a node_id outside the slice's nodes (NotifyDeleteComplete): an unknown one is
   * no longer tracked, and one that left without a deletion time gets this one, so that a countdown
   * soon after is answered as a late repeat of the deletion. False when it had no life.
   */
  deleted(nodeId: string, at: number): boolean {
    const life = this.lives.get(nodeId);
    if (life?.life === 'unknown')
      this.set(nodeId, {
        life: 'left',
        incarnation: life.incarnation ?? 0,
        deletedAt: at,
        why: 'unknown node, deleted',
      });
    else if (life?.life === 'left' && life.deletedAt === null) this.set(nodeId, { ...life, deletedAt: at });
    return life !== undefined;
  }

  /** Became one of the slice's nodes: the node's own record says so from now on. */
  joined(nodeId: string): void {
    this.put(nodeId, undefined);
  }

  /** A journaled life, put back at start. */
  restore(nodeId: string, life: NodeLife): void {
    this.put(nodeId, life);
  }

  /** The answer a countdown reply gives for a node_id outside the slice's nodes: true when released. */
  released(nodeId: string): boolean {
    const life = this.lives.get(nodeId);
    return life?.life === 'unknown' || (life?.life === 'parked' && life.noWait);
  }

  /**
   * Left lives of node_ids that were never the slice's nodes, deleted longer than `graceMs` ago: they
   * say nothing a fresh look-up would not (calls from the network cannot make the agent keep them).
   */
  prune(now: number, graceMs: number): void {
    for (const [id, life] of this.lives) {
      if (life.life === 'left' && life.incarnation === 0 && life.deletedAt !== null && now - life.deletedAt >= graceMs)
        this.forget(id);
    }
  }

  private put(nodeId: string, life: NodeLife | undefined): boolean {
    const before = this.lives.get(nodeId);
    if (before) this.counts[before.life] -= 1;
    if (life) {
      this.lives.set(nodeId, life);
      this.counts[life.life] += 1;
    } else this.lives.delete(nodeId);
    return before !== undefined;
  }
}
