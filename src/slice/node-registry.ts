import type { Logger } from 'pino';
import type { NodeInput, NodeRestore } from '../../machines/node.types.js';
import type { NodeEntry } from '../protocol/client-methods.js';
import type { SshTarget } from '../ssh/ssh-runner.js';
import { deriveHost } from './host-template.js';
import { backInSlice, DEFAULT_DELETED_GRACE_SECONDS, type NamedBy } from './incarnation.js';
import { incarnationOf, LazyNode } from './lazy-node.js';
import { type NodeActor, type StateChange, stateName } from './node-actor.js';
import type { UnknownNodes } from './unknown-nodes.js';

export interface NodeRegistryDeps {
  log: Logger;
  now: () => number;
  unknown: UnknownNodes;
  /** SSH login defaults for nodes learned from calls. */
  ssh: { user: string; port: number };
  hostTemplate?: string;
  unknownNodes: 'adopt' | 'release';
  deletedGraceSeconds?: number;
  /** Every node's input but its identity, restore and incarnation (the slice's settings). */
  settings: Omit<NodeInput, 'nodeId' | 'clientId' | 'restore' | 'incarnation' | 'value'>;
  startActor(input: NodeInput): NodeActor;
  /** A node just added (the slice starts a restored one's actor, connects ahead, …). */
  added(node: LazyNode, restore: NodeRestore | undefined): void;
  changed(change: StateChange): void;
}

export interface AddOptions {
  /** Learned from a call rather than listed (a later incarnation re-derives its host). */
  adopted?: boolean;
  incarnation?: number;
}

/**
 * The slice's nodes: which node an entry of a call names (a known node, a deleted one back in the
 * slice, an unknown one adopted under the policy), nodes added, and nodes taken out.
 */
export class NodeRegistry {
  readonly nodes = new Map<string, LazyNode>();
  /** The last incarnation of each node taken out of the slice: one that comes back is the next. */
  private readonly departed = new Map<string, number>();

  constructor(private readonly deps: NodeRegistryDeps) {}

  add(
    node: { nodeId: string; clientId: string | null; target: SshTarget },
    restore?: NodeRestore,
    options: AddOptions = {},
  ): LazyNode {
    const existing = this.nodes.get(node.nodeId);
    if (existing) return existing;
    const departed = this.departed.get(node.nodeId);
    this.departed.delete(node.nodeId);
    const incarnation = options.incarnation ?? (departed === undefined ? undefined : departed + 1);
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
    return entry;
  }

  /** Takes a node out (the caller checked that nothing runs or waits for it). */
  remove(node: LazyNode): void {
    node.actor?.stop();
    this.nodes.delete(node.nodeId);
    this.departed.set(node.nodeId, incarnationOf(node));
  }

  /**
   * A known node, or an unknown one adopted under the configured policy; null when released. A
   * deleted node named again may be back in the slice: then it is a new incarnation.
   */
  resolve(entry: NodeEntry, namedBy: NamedBy): LazyNode | null {
    const known = this.nodes.get(entry.node_id);
    if (known) return known.deleted ? this.reincarnate(known, entry, namedBy) : known;
    const { unknown } = this.deps;
    if (unknown.isReleased(entry.node_id)) return null;
    const clientId = entry.client_id ?? null;
    const target = this.adoptedTarget(entry.node_id, clientId);
    if (target === null) {
      unknown.noteReleased(entry.node_id);
      return null;
    }
    return this.add({ nodeId: entry.node_id, clientId, target }, undefined, { adopted: true });
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
    const previous = deleted.ensureStarted().getSnapshot();
    const graceMs = (this.deps.deletedGraceSeconds ?? DEFAULT_DELETED_GRACE_SECONDS) * 1000;
    if (!backInSlice(namedBy, previous.context.deletedAt, this.deps.now(), graceMs)) return deleted;
    const nodeId = entry.node_id;
    const clientId = entry.client_id ?? deleted.clientId;
    const target = deleted.adopted ? this.adoptedTarget(nodeId, clientId) : deleted.target;
    this.nodes.delete(nodeId);
    if (target === null) return this.resolve(entry, namedBy);
    const incarnation = previous.context.incarnation + 1;
    this.deps.log.info(
      { nodeId, clientId, host: target.host, incarnation, namedBy },
      'deleted node is back in the slice: a new incarnation',
    );
    const fresh = this.add({ nodeId, clientId, target }, undefined, { adopted: deleted.adopted, incarnation });
    const snapshot = fresh.ensureStarted().getSnapshot();
    const from = stateName(previous.value);
    this.deps.changed({ nodeId, from, to: stateName(snapshot.value), snapshot, signals: [] });
    return fresh;
  }
}
