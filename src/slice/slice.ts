import type { Logger } from 'pino';
import type { NodeRestore } from '../../machines/node.types.js';
import { createStepActors, type DrainCommandEvent } from '../drain/step-actors.js';
import type { ListedNode } from '../node-list/listed-node.js';
import type { ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import type { SshTarget } from '../ssh/runner-types.js';
import { DEFAULT_DELETED_GRACE_SECONDS, type NamedBy } from './incarnation.js';
import type { LazyNode, SliceNode } from './lazy-node.js';
import { takenWithoutDeletion } from './lost-deletion.js';
import { type NodeMachine, type StateChange, startNodeActor } from './node-actor.js';
import { applyNodeList, type NodeListChange } from './node-list.js';
import { NodeLives } from './node-lives.js';
import { NodeMailbox } from './node-mailbox.js';
import { isIdle, releasedNow } from './node-reading.js';
import { type AddOptions, NodeRegistry } from './node-registry.js';
import { provideNodeMachine } from './provide-machine.js';
import { DEFAULT_START_BEFORE_REPLY, nodeSettings, type SliceDeps } from './slice-deps.js';
import { DEFAULT_MAX_UNKNOWN_NODES, UnknownNodes } from './unknown-nodes.js';

export { LazyNode, type SliceNode } from './lazy-node.js';
export { DEFAULT_START_BEFORE_REPLY, type SliceDeps } from './slice-deps.js';

/** The slice: one root actor per node, kept in a Map (never as children of one parent). */
export class Slice implements ClientEndpointHandlers {
  private readonly registry: NodeRegistry;
  private readonly nodes: Map<string, LazyNode>;
  private readonly unknown: UnknownNodes;
  /** Node_ids the cluster named that are not the slice's nodes now: left, unknown, parked. */
  readonly lives: NodeLives;
  private readonly machine: NodeMachine;
  private readonly log: Logger;
  /** Set by preconnect(): nodes added later are connected ahead too. */
  private preconnecting = false;
  /** When each event reaches its node: now, after the reply, or not at all. */
  private readonly mailbox: NodeMailbox;

  constructor(private readonly deps: SliceDeps) {
    this.log = deps.logger;
    this.mailbox = new NodeMailbox(deps.startBeforeReply ?? DEFAULT_START_BEFORE_REPLY);
    this.lives = new NodeLives((change) => deps.onLife?.(change));
    this.unknown = new UnknownNodes(deps.maxUnknownNodes ?? DEFAULT_MAX_UNKNOWN_NODES, deps.logger, this.lives);
    const { plan, runner, logger, now, admitCommand: admit } = deps;
    const targetOf = (nodeId: string) => this.nodes.get(nodeId)?.target;
    const onCommand = (event: DrainCommandEvent) => this.deps.onCommand?.(event);
    const leaves = createStepActors({ plan, runner, targetOf, logger, now, onCommand, admit });
    this.machine = provideNodeMachine(leaves, deps.now);
    this.registry = new NodeRegistry({
      ...deps,
      log: deps.logger,
      unknown: this.unknown,
      lives: this.lives,
      settings: nodeSettings(deps),
      startActor: (input, resting) =>
        startNodeActor(this.machine, input, {
          resting,
          logger: this.log,
          clock: deps.clock,
          onChange: (change) => this.changed(change),
          onRemember: (snapshot) => deps.onRemember?.(snapshot.context.nodeId, snapshot),
        }),
      added: (node, restore) => {
        // A restored drain's first step looks its node's SSH target up at once: the node is in the map by now.
        if (restore) this.mailbox.start(node);
        if (this.preconnecting) void this.warm(node);
      },
      changed: (change) => this.changed(change),
      joined: (node) => deps.onJoin?.(node),
      start: (node) => this.mailbox.start(node),
    });
    this.nodes = this.registry.nodes;
  }

  /**
   * Adds a node; `restore` rebuilds it as the journal left it before a restart (its actor starts at
   * once: it may have timers to re-arm). A new node's actor starts when something first needs it.
   * `adopted`: learned from a call rather than configured (a later incarnation re-derives its host).
   */
  addNode(
    node: { nodeId: string; clientId: string | null; target: SshTarget },
    restore?: NodeRestore,
    options: AddOptions = {},
  ): LazyNode {
    return this.registry.add(node, restore, options);
  }

  /**
   * Takes a node out of the slice on evidence (`why`) when it is allocated and idle, with nothing
   * waiting for it, or deleted; false otherwise (a node being drained, or drained, stays). If it
   * comes back, it is its next incarnation.
   */
  removeNode(nodeId: string, why: string): boolean {
    const node = this.nodes.get(nodeId);
    if (!node || !(isIdle(node) || node.deleted) || this.mailbox.holds(node)) return false;
    this.registry.remove(node, why);
    this.deps.runner.release(nodeId);
    return true;
  }

  /** Makes the listed nodes those of a (re-read) node list that was read successfully: see node-list.ts. */
  applyNodeList(listed: readonly ListedNode[]): NodeListChange {
    return applyNodeList(this.registry, listed, {
      remove: (node, why) => this.removeNode(node.nodeId, why),
      takeAsDeleted: (node, why) => this.takeAsDeleted(node, why),
    });
  }

  /**
   * The cluster took the node without the NotifyDeleteComplete that says so (it sends it once and
   * ignores the answer: a restart or a refusal loses it). Seen on evidence only: a read of the node
   * list that no longer lists it, or SetResourceValues naming it as outside the slice or with
   * another client_id. The node is deleted as by the call (a running drain stops; its deletion time
   * is unknown, so no countdown counts as a late repeat of it): if it comes back it is its next
   * incarnation and drains again.
   */
  private takeAsDeleted(node: LazyNode, why: string): void {
    this.log.warn({ nodeId: node.nodeId, why }, 'node taken without its NotifyDeleteComplete: deleted');
    this.mailbox.send(node, { type: 'DELETE_COMPLETE', at: this.deps.now(), inferred: true });
  }

  /**
   * Opens every node's SSH connection before any drain needs it (when the runner can), so a
   * countdown starts commands without paying a handshake; resolves with how many connected.
   */
  async preconnect(): Promise<number> {
    this.preconnecting = true;
    const connected = await Promise.all(this.list().map((node) => this.warm(node)));
    return connected.filter(Boolean).length;
  }

  private async warm(node: SliceNode): Promise<boolean> {
    const ended = node.snapshot !== undefined && node.snapshot.status !== 'active';
    if (ended || !this.deps.runner.warm) return false;
    return this.deps.runner.warm(node.target);
  }

  get(nodeId: string): SliceNode | undefined {
    return this.nodes.get(nodeId);
  }

  list(): SliceNode[] {
    return [...this.nodes.values()];
  }

  async setResourceValues(entries: NodeEntry[]): Promise<void> {
    this.applyValues(entries, 'values');
  }

  /**
   * The values journaled before a restart, applied again: as SetResourceValues, except that they
   * bring no deleted node back (they were sent before its deletion, or its new incarnation is journaled).
   */
  replayValues(entries: NodeEntry[]): void {
    this.applyValues(entries, 'replay');
  }

  private applyValues(entries: NodeEntry[], namedBy: NamedBy): void {
    // Entries without client_id describe nodes outside the slice: never adopted.
    if (namedBy !== 'replay')
      this.unknown.admit(entries, (entry) => entry.client_id !== undefined && !this.nodes.has(entry.node_id));
    const at = this.deps.now();
    let outside = 0;
    for (const entry of entries) {
      const node = namedBy !== 'replay' ? this.valuesNamed(entry) : entry.client_id && this.nodes.get(entry.node_id);
      if (!node) {
        outside += 1;
        continue;
      }
      this.mailbox.send(node, { type: 'VALUE_SET', value: entry.value ?? 1, at });
    }
    if (outside > 0) this.log.debug({ outside }, 'resource values for nodes outside the slice');
    this.unknown.report(this.deps.unknownNodes);
  }

  /**
   * The node of the slice a live SetResourceValues entry gives a value, after what the entry says of
   * a node taken without its NotifyDeleteComplete. One without a client_id names a node outside the
   * slice: its value is not the slice's, and it is never adopted. Values replayed after a restart
   * (namedBy `replay`) name only the slice's nodes and infer nothing.
   */
  private valuesNamed(entry: NodeEntry): LazyNode | undefined {
    const known = this.nodes.get(entry.node_id);
    const taken = takenWithoutDeletion(known, entry);
    if (taken !== null) this.takeAsDeleted(known!, taken);
    if (entry.client_id === undefined) return undefined;
    return this.registry.resolve(entry, 'values') ?? undefined;
  }

  async notifyDeletePending(entries: NodeEntry[]): Promise<Set<string>> {
    this.unknown.admit(entries, (entry) => !this.nodes.has(entry.node_id));
    const at = this.deps.now();
    const deliver = this.mailbox.countdown();
    // The reply is read from state that exists once each node has had its event: it never waits for a drain.
    const released = new Set<string>();
    for (const entry of entries) {
      const node = this.registry.resolve(entry, 'countdown');
      if (node !== null) deliver(node, { type: 'DELETE_PENDING', maxWaitTime: entry.max_wait_time ?? 0, at });
      if (node === null || releasedNow(node)) released.add(entry.node_id);
    }
    const { waiting } = this.mailbox;
    if (waiting > 0) this.log.info({ startingAfterReply: waiting }, 'drains start after the reply');
    this.unknown.report(this.deps.unknownNodes);
    return released;
  }

  async notifyDeleteComplete(entries: NodeEntry[]): Promise<void> {
    const at = this.deps.now();
    for (const entry of entries) {
      const node = this.nodes.get(entry.node_id);
      if (node) this.mailbox.send(node, { type: 'DELETE_COMPLETE', at });
      else if (!this.lives.deleted(entry.node_id, at))
        this.log.debug({ nodeId: entry.node_id }, 'delete complete for a node the agent does not manage');
    }
    this.lives.prune(at, (this.deps.deletedGraceSeconds ?? DEFAULT_DELETED_GRACE_SECONDS) * 1000);
  }

  /**
   * May the cluster take the node now: the one question the countdown reply and the status API
   * ask, for the slice's nodes (their chart: released or deleted) and the node_ids outside them
   * (unknown and released, or parked after the cluster sent max_wait_time 0).
   */
  isReleased(nodeId: string): boolean {
    const node = this.nodes.get(nodeId);
    return node === undefined ? this.lives.released(nodeId) : releasedNow(node);
  }

  stop(): void {
    this.mailbox.clear();
    for (const node of this.nodes.values()) node.stop();
  }

  private changed(change: StateChange): void {
    if (change.snapshot.hasTag('gone')) {
      this.deps.runner.release(change.nodeId);
      if (change.signals.some((signal) => signal.type === 'workLost')) {
        this.log.warn(
          { nodeId: change.nodeId, from: change.from },
          'node deleted before its drain was verified: work lost',
        );
      }
    }
    this.deps.onChange?.(change);
    if (change.snapshot.hasTag('rests')) this.nodes.get(change.nodeId)?.restSoon();
  }
}
