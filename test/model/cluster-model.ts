import { CONFIGURED, GRACE_SECONDS } from './agent-world.js';
import type { Evidence, WireEntry } from './invariants.js';
import { InvariantViolation } from './invariants.js';

/** What the cluster knows of one node_id: its lives in the slice and what it was told. */
export interface ModelNode {
  nodeId: string;
  configured: boolean;
  /** Unknown to the configuration, adopted through hostTemplate (a call named it with a client_id). */
  adopted: boolean;
  /** Unknown and unplaceable: the agent reports it released until it is deleted. */
  unreachable: boolean;
  incarnation: number;
  /** Incarnations the cluster deleted. */
  deleted: Set<number>;
  deletedAt: number | null;
  /** A countdown named it in this incarnation (before that it is allocated: a reply cannot release it). */
  countedDown: boolean;
  /** The cluster sent max_wait_time 0 in this incarnation. */
  noWait: Set<number>;
  /** A call about it was not answered code 0: after a crash, the agent may not have it on disk. */
  uncertain: boolean;
  /** A countdown came too close to the end of the deletion grace to tell which side the agent saw: read it back. */
  resync: boolean;
}

export interface ModelOptions {
  configured?: ReadonlyArray<readonly [string, string]>;
  graceSeconds?: number;
  /** unknownNodes: adopt (with a hostTemplate that takes the client_id) or release. */
  adoptUnknown?: boolean;
  /** How far apart the cluster's clock and the agent's may see one moment (calls take time on a real clock). */
  clockSlackMs?: number;
}

/** What a countdown reply must say of one entry, as far as the model can tell. */
export type Expectation = 'released' | 'kept' | 'either';

export const UNKNOWN = ['ux1', 'ux2'] as const;
export const NODE_IDS: string[] = [...CONFIGURED.map(([id]) => id), ...UNKNOWN];

/**
 * The oracle: a Map of what each node should be, from the cluster's calls alone (and what the
 * scripted runner knows of verifies). It predicts incarnations, deletions, unknown nodes and the
 * replies it can be sure of; the invariants judge the rest.
 */
export class ClusterModel {
  readonly nodes = new Map<string, ModelNode>();
  /** Unknown nodes reported released, then deleted (a reply to a call running beside the deletion still released them). */
  private readonly forgotten = new Set<string>();
  /** The countdowns the cluster sent, oldest first. */
  readonly countdowns: WireEntry[][] = [];
  readonly graceMs: number;
  private readonly adoptUnknown: boolean;
  private readonly slackMs: number;

  constructor(options: ModelOptions = {}) {
    const { configured = CONFIGURED, graceSeconds = GRACE_SECONDS, adoptUnknown = true, clockSlackMs = 0 } = options;
    this.graceMs = graceSeconds * 1000;
    this.adoptUnknown = adoptUnknown;
    this.slackMs = clockSlackMs;
    for (const [nodeId] of configured) this.nodes.set(nodeId, this.fresh(nodeId, true));
  }

  get(nodeId: string): ModelNode | undefined {
    return this.nodes.get(nodeId);
  }

  /** Configured, or adopted: the agent keeps a state machine for it. */
  managed(nodeId: string): ModelNode | undefined {
    const node = this.nodes.get(nodeId);
    return node && (node.configured || node.adopted) ? node : undefined;
  }

  /** Applies one countdown entry, in call order, and says what its reply must be. */
  countdownEntry(entry: WireEntry, now: number, onNewIncarnation: (nodeId: string) => void): Expectation {
    const wait = entry.max_wait_time ?? 0;
    let node = this.managed(entry.node_id);
    if (node === undefined) {
      const known = this.nodes.get(entry.node_id);
      if (known?.unreachable) return 'released';
      if (entry.client_id === undefined || !this.adoptUnknown) {
        this.nodes.set(entry.node_id, { ...this.fresh(entry.node_id, false), unreachable: true });
        return 'released';
      }
      node = { ...this.fresh(entry.node_id, false), adopted: true };
      this.nodes.set(entry.node_id, node);
    } else if (node.deletedAt !== null) {
      const sinceDeletion = now - node.deletedAt;
      if (this.slackMs > 0 && Math.abs(sinceDeletion - this.graceMs) < this.slackMs) {
        node.resync = true;
        // Either life may be the one the cluster told it cannot wait.
        if (wait === 0) node.noWait.add(node.incarnation).add(node.incarnation + 1);
        return 'either';
      }
      if (sinceDeletion < this.graceMs) return 'released';
      this.reincarnate(node, onNewIncarnation);
    }
    const countedDown = node.countedDown;
    node.countedDown = true;
    if (wait === 0) {
      node.noWait.add(node.incarnation);
      return 'released';
    }
    return countedDown ? 'either' : 'kept';
  }

  /** A SetResourceValues entry: with a client_id, a deleted node is back (a new incarnation); an unknown one is adopted. */
  valuesEntry(entry: WireEntry, onNewIncarnation: (nodeId: string) => void): void {
    if (entry.client_id === undefined) return;
    const node = this.managed(entry.node_id);
    if (node !== undefined) {
      if (node.deletedAt !== null) this.reincarnate(node, onNewIncarnation);
    } else if (this.adoptUnknown && !this.nodes.get(entry.node_id)?.unreachable) {
      this.nodes.set(entry.node_id, { ...this.fresh(entry.node_id, false), adopted: true });
    }
  }

  deleteEntry(entry: WireEntry, now: number): void {
    const node = this.nodes.get(entry.node_id);
    if (node === undefined) return;
    if (node.unreachable) {
      this.nodes.delete(entry.node_id);
      this.forgotten.add(entry.node_id);
      return;
    }
    if (node.deletedAt !== null) return;
    node.deletedAt = now;
    node.deleted.add(node.incarnation);
  }

  /** What the model accepts as reasons for a release. */
  evidence(now: number, onFailure: Evidence['onFailure'], verified: (nodeId: string) => boolean): Evidence {
    return {
      now,
      onFailure,
      drainVerified: (nodeId, incarnation) => this.nodes.get(nodeId)?.incarnation === incarnation && verified(nodeId),
      clusterCouldNotWait: (nodeId, incarnation) => this.nodes.get(nodeId)?.noWait.has(incarnation) ?? false,
      deletedByCluster: (nodeId, incarnation) => this.nodes.get(nodeId)?.deleted.has(incarnation) ?? false,
      unreachableUnknown: (nodeId) => (this.nodes.get(nodeId)?.unreachable ?? false) || this.forgotten.has(nodeId),
    };
  }

  /** The incarnation the agent must be in, when the model is sure of it. */
  expectIncarnation(nodeId: string, actual: number): void {
    const node = this.managed(nodeId);
    if (node === undefined || node.uncertain || actual === node.incarnation) return;
    throw new InvariantViolation(
      'a node given back is a new incarnation',
      `${nodeId}: the cluster's calls make it #${node.incarnation}, the agent has #${actual}`,
    );
  }

  private reincarnate(node: ModelNode, onNewIncarnation: (nodeId: string) => void): void {
    node.incarnation += 1;
    node.deletedAt = null;
    node.countedDown = false;
    onNewIncarnation(node.nodeId);
  }

  private fresh(nodeId: string, configured: boolean): ModelNode {
    return {
      nodeId,
      configured,
      adopted: false,
      unreachable: false,
      incarnation: 1,
      deleted: new Set(),
      deletedAt: null,
      countedDown: false,
      noWait: new Set(),
      uncertain: false,
      resync: false,
    };
  }
}
