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
  /** The agent took it as deleted on evidence (SetResourceValues named it outside the slice): no grace applies. */
  inferredDeleted: boolean;
  /** A value started its prepare steps in this incarnation (it is past idle, as after a countdown). */
  prepared: boolean;
  /** The manifest world: the node's physical life in the slice (reset when the cluster gives it back). */
  life: PhysicalLife;
}

/** What happened to a node in its current physical life, in the manifest world. */
export interface PhysicalLife {
  /** The cluster sent max_wait_time 0 for it. */
  noWait: boolean;
  /** The cluster took it (NotifyDeleteComplete, or it left the manifest). */
  deleted: boolean;
  /** Reads the manifest world had made when a call first named it in this life. */
  namedAtRead: number | null;
  /** A release of it as an unknown node was justified (it stays released until deleted). */
  unknownJustified: boolean;
  /** Reads made when it left the manifest (null: listed). */
  unlistedAtRead: number | null;
  /** When a NotifyDeleteComplete named it: for the deletion grace, a countdown soon after repeats it. */
  deletedByCallAt: number | null;
  /**
   * A call named it since it left the manifest, and no NotifyDeleteComplete came after: what the
   * agent answered then (released, if the cluster could not wait) may stand for a life it cannot see end.
   */
  namedSinceUnlisted: boolean;
}

const freshLife = (): PhysicalLife => ({
  noWait: false,
  deleted: false,
  namedAtRead: null,
  unknownJustified: false,
  unlistedAtRead: null,
  deletedByCallAt: null,
  namedSinceUnlisted: false,
});

export interface ModelOptions {
  configured?: ReadonlyArray<readonly [string, string]>;
  graceSeconds?: number;
  /** unknownNodes: adopt (with a hostTemplate that takes the client_id) or release. */
  adoptUnknown?: boolean;
  /** How far apart the cluster's clock and the agent's may see one moment (calls take time on a real clock). */
  clockSlackMs?: number;
  /**
   * The node list is a manifest (the manifest world): the agent learns which node a call names, and
   * which life of it, only from reads of it, so the model predicts no incarnation and no reply but
   * max_wait_time 0; the invariants judge every release against the evidence of the node's physical life.
   */
  manifest?: { reads(): number; readWithout(nodeId: string, since: number): boolean };
}

/** The value at which the model configuration's prepare steps run (keep-worth: at or under it). */
export const PREPARE_AT = 0.3;

/** Something of the node's life in the slice is under way or done: a countdown or its prepare steps. */
const pastIdle = (node: ModelNode) => node.countedDown || node.prepared;

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
  readonly manifest: ModelOptions['manifest'];
  /** The manifest world: a node_id named after its deletion's grace (its earlier replies bind no more). */
  onBack?: (nodeId: string) => void;

  constructor(options: ModelOptions = {}) {
    const { configured = CONFIGURED, graceSeconds = GRACE_SECONDS, adoptUnknown = true, clockSlackMs = 0 } = options;
    this.manifest = options.manifest;
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
    if (this.manifest) {
      const node = this.physical(entry.node_id);
      // Named after its deletion's grace: it may be back in the slice (docs/lifecycle.md), a new life
      // whose replies the earlier ones do not bind (the agent's incarnation says which, where it has one).
      const deletedAt = node.life.deletedByCallAt;
      if (deletedAt !== null && now - deletedAt >= this.graceMs) {
        node.life.deletedByCallAt = null;
        this.onBack?.(entry.node_id);
      }
      const { life } = node;
      life.namedAtRead ??= this.manifest.reads();
      if (life.unlistedAtRead !== null) life.namedSinceUnlisted = true;
      if (wait > 0) return 'either';
      life.noWait = true;
      return 'released';
    }
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
    } else if (node.inferredDeleted) {
      // Taken as deleted on evidence, with no deletion time: any countdown names its next life.
      this.reincarnate(node, onNewIncarnation);
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
    if (this.manifest) {
      const { life } = this.physical(entry.node_id);
      // Outside the slice: the cluster took it (an agent that sees it past idle takes it as deleted).
      if (entry.client_id === undefined) life.deleted = true;
      else life.namedAtRead ??= this.manifest.reads();
      if (life.unlistedAtRead !== null) life.namedSinceUnlisted = true;
      return;
    }
    const node = this.managed(entry.node_id);
    if (entry.client_id === undefined) {
      // Outside the slice: a node past idle was taken without its NotifyDeleteComplete; an idle one stays.
      if (node !== undefined && node.deletedAt === null && !node.inferredDeleted && pastIdle(node)) {
        node.deleted.add(node.incarnation);
        node.inferredDeleted = true;
      }
      return;
    }
    if (node !== undefined) {
      if (node.deletedAt !== null || node.inferredDeleted) this.reincarnate(node, onNewIncarnation);
      // A value at or under prepareAt starts an idle node's prepare steps: it is past idle.
      if (node.deletedAt === null && (entry.value ?? 1) <= PREPARE_AT) node.prepared = true;
    } else if (this.adoptUnknown && !this.nodes.get(entry.node_id)?.unreachable) {
      const adopted = { ...this.fresh(entry.node_id, false), adopted: true };
      adopted.prepared = (entry.value ?? 1) <= PREPARE_AT;
      this.nodes.set(entry.node_id, adopted);
    }
  }

  deleteEntry(entry: WireEntry, now: number): void {
    if (this.manifest) {
      const { life } = this.physical(entry.node_id);
      life.deleted = true;
      life.deletedByCallAt = now;
      life.namedSinceUnlisted = false;
      return;
    }
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

  /** The manifest world: the cluster took the node (it left the manifest) without a call saying so. */
  unlisted(nodeId: string): void {
    const { life } = this.physical(nodeId);
    life.deleted = true;
    life.unlistedAtRead = this.manifest!.reads();
  }

  /** The manifest world: the cluster gives the node (back) to the slice: a new physical life. */
  listed(nodeId: string, onNewLife: (nodeId: string) => void): void {
    this.physical(nodeId).life = freshLife();
    onNewLife(nodeId);
  }

  /**
   * The manifest world: whether the agent can tell a new life of the node from the one that left: a
   * read that succeeded saw it out of the manifest since it left, and its deletion, if a call said
   * so, is older than the deletion grace (a countdown sooner is a late repeat of it: docs/lifecycle.md).
   */
  mayComeBack(nodeId: string, now: number): boolean {
    const life = this.nodes.get(nodeId)?.life;
    if (life?.unlistedAtRead == null || !this.manifest!.readWithout(nodeId, life.unlistedAtRead)) return false;
    if (life.namedSinceUnlisted) return false;
    return life.deletedByCallAt === null || now - life.deletedByCallAt >= this.graceMs;
  }

  /** What the model accepts as reasons for a release. */
  evidence(now: number, onFailure: Evidence['onFailure'], verified: (nodeId: string) => boolean): Evidence {
    const { manifest } = this;
    if (manifest) {
      const life = (nodeId: string) => this.physical(nodeId).life;
      return {
        now,
        onFailure,
        // The runner's truth is per physical life: a node given back starts with no verify passed.
        drainVerified: (nodeId) => verified(nodeId),
        clusterCouldNotWait: (nodeId) => life(nodeId).noWait,
        deletedByCluster: (nodeId) => life(nodeId).deleted,
        // Released as unknown only after a read that succeeded, once a call named it, did not list it.
        unreachableUnknown: (nodeId) => {
          const since = life(nodeId).namedAtRead;
          return since !== null && manifest.readWithout(nodeId, since);
        },
      };
    }
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

  /** The node_id as the manifest world tracks it (any node_id a call or the manifest names). */
  private physical(nodeId: string): ModelNode {
    let node = this.nodes.get(nodeId);
    if (node === undefined) this.nodes.set(nodeId, (node = this.fresh(nodeId, false)));
    return node;
  }

  private reincarnate(node: ModelNode, onNewIncarnation: (nodeId: string) => void): void {
    node.incarnation += 1;
    node.deletedAt = null;
    node.inferredDeleted = false;
    node.prepared = false;
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
      inferredDeleted: false,
      prepared: false,
      life: freshLife(),
    };
  }
}
