import type { Logger } from 'pino';
import type { NodeInput, NodeRestore } from '../../machines/node.types.js';
import { deriveHost } from '../node-list/host-template.js';
import type { NodeEntry } from '../protocol/client-methods.js';
import type { SshTarget } from '../ssh/runner-types.js';
import { backInSlice, DEFAULT_DELETED_GRACE_SECONDS, type NamedBy } from './incarnation.js';
import { LazyNode, type StartNodeActor } from './lazy-node.js';
import { type NodeActor, type StateChange, stateName } from './node-actor.js';
import type { NodeLives } from './node-lives.js';
import { incarnationOf } from './node-reading.js';
import type { UnknownNodes } from './unknown-nodes.js';

export interface NodeRegistryDeps {
  log: Logger;
  now: () => number;
  unknown: UnknownNodes;
  /** Node_ids outside the slice's nodes: where a node that leaves goes, and where one that comes back was. */
  lives: NodeLives;
  /** SSH login defaults for nodes learned from calls. */
  ssh: { user: string; port: number };
  hostTemplate?: string;
  unknownNodes: 'adopt' | 'release';
  deletedGraceSeconds?: number;
  /** Every node's input but its identity, restore and incarnation (the slice's settings). */
  settings: Omit<NodeInput, 'nodeId' | 'clientId' | 'restore' | 'incarnation' | 'value'>;
  startActor: StartNodeActor;
  /** A node just added (the slice starts a restored one's actor, connects ahead, …). */
  added(node: LazyNode, restore: NodeRestore | undefined): void;
  /** A node that joined the slice while the agent runs (not rebuilt, not listed at start): journal it. */
  joined(node: LazyNode): void;
  /** Starts a node's actor (the mailbox does: it is where actors start). */
  start(node: LazyNode): NodeActor;
  changed(change: StateChange): void;
}

export interface AddOptions {
  /** Learned from a call rather than listed (a later incarnation re-derives its host). */
  adopted?: boolean;
  incarnation?: number;
  /** Listed at start: the node list is read at every start, so nothing needs journaling. */
  atStart?: boolean;
}

/**
 * The slice's nodes: which node an entry of a call names (a known node, a deleted one back in the
 * slice, an unknown one adopted under the policy), nodes added, and nodes taken out (into `lives`,
 * which remembers their last incarnation: one that comes back is the next).
 */
export class NodeRegistry {
  readonly nodes = new Map<string, LazyNode>();

  constructor(private readonly deps: NodeRegistryDeps) {}

  add(
    node: { nodeId: string; clientId: string | null; target: SshTarget },
    restore?: NodeRestore,
    options: AddOptions = {},
  ): LazyNode {
    const existing = this.nodes.get(node.nodeId);
    if (existing) return existing;
    const life = this.deps.lives.get(node.nodeId);
    // The life it had outside the slice's nodes: it comes in as the next one.
    const before =
      life?.life === 'left' || life?.life === 'unknown' ? life : life?.life === 'parked' ? life.left : undefined;
    // A parked node keeps its life until the calls that waited for it are applied (node-lookup-handlers.ts).
    // One reported released as unknown that a read now lists is back in the slice: a new node.
    if (life?.life === 'left' || life?.life === 'unknown') this.deps.lives.joined(node.nodeId);
    const incarnation = options.incarnation ?? (before?.incarnation ? before.incarnation + 1 : undefined);
    const input: NodeInput = {
      nodeId: node.nodeId,
      clientId: node.clientId,
      ...this.deps.settings,
      restore,
      incarnation,
    };
    const entry = new LazyNode(
      node.nodeId,
      node.clientId,
      node.target,
      input,
      this.deps.startActor,
      options.adopted ?? false,
    );
    this.nodes.set(node.nodeId, entry);
    // A later incarnation of an adopted node is the same unknown node.
    if (entry.adopted && options.incarnation === undefined)
      this.deps.unknown.noteAdopted(node.nodeId, restore !== undefined);
    this.deps.added(entry, restore);
    // A new incarnation is journaled by its first state change (reincarnate); a restored node is journaled.
    if (restore === undefined && !options.atStart && options.incarnation === undefined) this.deps.joined(entry);
    return entry;
  }

  /** The node list names a node: one adopted from a call is the list's now, and no longer an unknown node. */
  listed(node: LazyNode): void {
    if (!node.adopted) return;
    node.adopted = false;
    this.deps.unknown.noteListed();
  }

  /**
   * Takes a node out of the slice on evidence (`why`): the caller checked that nothing runs or waits
   * for it. A deleted node keeps its deletion time: a countdown soon after repeats the deletion.
   */
  remove(node: LazyNode, why: string): void {
    const deletedAt = node.deleted ? (node.snapshot?.context.deletedAt ?? null) : null;
    node.stop();
    this.nodes.delete(node.nodeId);
    this.deps.lives.set(node.nodeId, { life: 'left', incarnation: incarnationOf(node), deletedAt, why });
  }

  /**
   * A known node, or an unknown one adopted under the configured policy; null when released. A
   * deleted node named again may be back in the slice: then it is a new incarnation.
   */
  resolve(entry: NodeEntry, namedBy: NamedBy): LazyNode | null {
    const known = this.nodes.get(entry.node_id);
    if (known) return known.deleted ? this.reincarnate(known, entry, namedBy) : known;
    const { unknown, lives } = this.deps;
    const life = lives.get(entry.node_id);
    if (life?.life === 'unknown') return null;
    // A node that left after its deletion, named by a countdown soon after: the deletion repeated.
    if (life?.life === 'left' && life.deletedAt !== null && !this.backInSlice(namedBy, life.deletedAt)) return null;
    const clientId = entry.client_id ?? null;
    const target = this.adoptedTarget(entry.node_id, clientId);
    if (target === null) {
      const why =
        this.deps.unknownNodes === 'release'
          ? 'unknownNodes: release'
          : 'the node list does not hold it and hostTemplate cannot place it';
      unknown.noteReleased(entry.node_id, why);
      return null;
    }
    return this.add({ nodeId: entry.node_id, clientId, target }, undefined, { adopted: true });
  }

  private backInSlice(namedBy: NamedBy, deletedAt: number | null): boolean {
    const graceMs = (this.deps.deletedGraceSeconds ?? DEFAULT_DELETED_GRACE_SECONDS) * 1000;
    return backInSlice(namedBy, deletedAt, this.deps.now(), graceMs);
  }

  /** Where a node learned from a call is reached, or null when the policy or the template cannot say. */
  private adoptedTarget(nodeId: string, clientId: string | null): SshTarget | null {
    const host = this.deps.unknownNodes === 'adopt' ? deriveHost(this.deps.hostTemplate, { nodeId, clientId }) : null;
    return host === null ? null : { nodeId, host, ...this.deps.ssh };
  }

  /**
   * The deleted node as it is (a late repeat of its deletion), or its next incarnation: a fresh
   * actor, journaled and observed as a change from `deleted`, reached as the node list or the
   * host template says (as for any node).
   */
  private reincarnate(deleted: LazyNode, entry: NodeEntry, namedBy: NamedBy): LazyNode | null {
    // Deleted: its actor ran to its final state.
    const previous = deleted.snapshot!;
    if (!this.backInSlice(namedBy, previous.context.deletedAt)) return deleted;
    const nodeId = entry.node_id;
    const clientId = entry.client_id ?? deleted.clientId;
    const target = deleted.adopted ? this.adoptedTarget(nodeId, clientId) : deleted.target;
    if (target === null) {
      this.remove(deleted, 'deleted, and hostTemplate no longer places it');
      return this.resolve(entry, namedBy);
    }
    this.nodes.delete(nodeId);
    const incarnation = previous.context.incarnation + 1;
    this.deps.log.info(
      { nodeId, clientId, host: target.host, incarnation, namedBy },
      'deleted node is back in the slice: a new incarnation',
    );
    const fresh = this.add({ nodeId, clientId, target }, undefined, { adopted: deleted.adopted, incarnation });
    const snapshot = this.deps.start(fresh).getSnapshot();
    const from = stateName(previous.value);
    this.deps.changed({ nodeId, from, to: stateName(snapshot.value), snapshot, signals: [] });
    return fresh;
  }
}
