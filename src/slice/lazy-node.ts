import type { NodeInput } from '../../machines/node.types.js';
import type { SshTarget } from '../ssh/runner-types.js';
import type { NodeActor, NodeSnapshot } from './node-actor.js';

export interface SliceNode {
  nodeId: string;
  clientId: string | null;
  target: SshTarget;
  /** Learned from a call (its host from hostTemplate), not from the node list. */
  readonly adopted: boolean;
  /** What its actor starts from (and what a view of a node without one shows: see peek). */
  readonly input: NodeInput;
  /**
   * The node's running state machine; undefined before it started (an idle node that nothing
   * needed has none, and is allocated and idle) and while it rests. Reading it never starts it.
   */
  readonly actor: NodeActor | undefined;
  /** What the node is now, running or resting; undefined before its actor first started. Never starts or wakes it. */
  readonly snapshot: NodeSnapshot | undefined;
  /** Whether the actor has started (it may rest since). */
  readonly started: boolean;
  /** Starts the actor, or wakes a resting one (the events' delivery decides when: see node-mailbox.ts). */
  ensureStarted(): NodeActor;
}

/** Starts a node's actor: from its input, or woken from the snapshot it rested in. */
export type StartNodeActor = (input: NodeInput, resting?: NodeSnapshot) => NodeActor;

/**
 * A node whose actor starts on first use (see SliceNode), and rests in a state tagged `rests`
 * (drained, forced: nothing runs or waits there): its actor is stopped and only its last snapshot
 * kept (≈ 3.4 KB of heap a node instead of ≈ 10 KB), until an event it must take wakes it from that snapshot, as a restart
 * rebuilds a node. A countdown it ignores, or a value it already has, does not wake it.
 */
export class LazyNode implements SliceNode {
  private started_: NodeActor | undefined;
  private resting: NodeSnapshot | undefined;
  private restScheduled = false;

  constructor(
    readonly nodeId: string,
    readonly clientId: string | null,
    /** Where the node is reached; a node list that moves a deleted node sets its next incarnation's. */
    public target: SshTarget,
    /** The node's input; `value` may change before the actor starts (see Slice.setResourceValues). */
    readonly input: NodeInput,
    private readonly start: StartNodeActor,
    /** Learned from a call (its host from hostTemplate), not from the node list. */
    public adopted: boolean,
  ) {}

  get actor(): NodeActor | undefined {
    return this.started_;
  }

  get snapshot(): NodeSnapshot | undefined {
    return this.started_?.getSnapshot() ?? this.resting;
  }

  ensureStarted(): NodeActor {
    if (this.started_ !== undefined) return this.started_;
    const resting = this.resting;
    this.resting = undefined;
    this.started_ = this.start(this.input, resting);
    // Woken for an event that leaves it where it rested (a new value), or rebuilt after a restart in
    // such a state: it rests (again) once that turn is over.
    if (this.started_.getSnapshot().hasTag('rests')) this.restSoon();
    return this.started_;
  }

  get started(): boolean {
    return this.started_ !== undefined || this.resting !== undefined;
  }

  /** Deleted by the cluster: this incarnation has ended (its actor is done). */
  get deleted(): boolean {
    return this.snapshot?.status === 'done';
  }

  /** Rests the actor once the turn of the event loop that brought it here is over, if it is still in a state tagged `rests`. */
  restSoon(): void {
    if (this.restScheduled) return;
    this.restScheduled = true;
    setImmediate(() => {
      this.restScheduled = false;
      const actor = this.started_;
      const snapshot = actor?.getSnapshot();
      const rests =
        snapshot?.status === 'active' && snapshot.hasTag('rests') && Object.keys(snapshot.children).length === 0;
      if (actor === undefined || snapshot === undefined || !rests) return;
      // A copy, so that its context has its own fast properties (xstate's assign leaves a large context in dictionary mode).
      this.resting = { ...snapshot, context: { ...snapshot.context }, children: {} };
      this.started_ = undefined;
      actor.stop();
    });
  }

  /** Stops the actor for good (the node leaves the slice, or the slice stops); what it was stays readable. */
  stop(): void {
    this.started_?.stop();
  }
}
