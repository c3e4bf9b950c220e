import { isReleased } from '../../machines/node.chart.js';
import { initialNodeContext } from '../../machines/node.context.js';
import { FRESH_NODE_STATE, type NodeContext, type NodeInput } from '../../machines/node.types.js';
import type { SshTarget } from '../ssh/ssh-runner.js';
import { type NodeActor, stateName } from './node-actor.js';

export interface SliceNode {
  nodeId: string;
  clientId: string | null;
  target: SshTarget;
  /** Learned from a call (its host from hostTemplate), not from the node list. */
  readonly adopted: boolean;
  /** What its actor starts from (and what a view of a node without one shows: see peek). */
  readonly input: NodeInput;
  /**
   * The node's state machine once started; undefined before: an idle node that nothing needed has
   * none, and is allocated and idle. Reading it never starts it.
   */
  readonly actor: NodeActor | undefined;
  /** Whether the actor exists. */
  readonly started: boolean;
  /** Starts the actor if it has not started (the events' delivery decides when: see node-mailbox.ts). */
  ensureStarted(): NodeActor;
}

/** A node whose actor starts on first use (see SliceNode). */
export class LazyNode implements SliceNode {
  private started_: NodeActor | undefined;

  constructor(
    readonly nodeId: string,
    readonly clientId: string | null,
    /** Where the node is reached; a node list that moves a deleted node sets its next incarnation's. */
    public target: SshTarget,
    /** The node's input; `value` may change before the actor starts (see Slice.setResourceValues). */
    readonly input: NodeInput,
    private readonly start: (input: NodeInput) => NodeActor,
    /** Learned from a call (its host from hostTemplate), not from the node list. */
    public adopted: boolean,
  ) {}

  get actor(): NodeActor | undefined {
    return this.started_;
  }

  ensureStarted(): NodeActor {
    return (this.started_ ??= this.start(this.input));
  }

  get started(): boolean {
    return this.started_ !== undefined;
  }

  /** Deleted by the cluster: this incarnation has ended (its actor is done). */
  get deleted(): boolean {
    return this.started_?.getSnapshot().status === 'done';
  }
}

/** Which life of its node_id in the slice the node is (see incarnation.ts). */
export function incarnationOf(node: LazyNode): number {
  return node.actor?.getSnapshot().context.incarnation ?? node.input.incarnation ?? 1;
}

/** Allocated and idle: nothing runs on the node and nothing about it is under way. */
export function isIdle(node: LazyNode): boolean {
  if (node.actor === undefined) return true;
  const snapshot = node.actor.getSnapshot();
  return snapshot.status === 'active' && snapshot.matches({ allocated: 'idle' });
}

/** Whether the cluster may take the node now (an unstarted node is allocated: it may not). */
export function releasedNow(node: SliceNode): boolean {
  return node.actor !== undefined && isReleased(node.actor.getSnapshot());
}

/**
 * The node's context and state, read without starting its actor: a node nothing needed yet is
 * allocated and idle, with the context its actor would start with. Views (the status API, metrics,
 * the dashboard) read nodes this way; only the mailbox starts actors (node-mailbox.ts).
 */
export function peek(node: SliceNode): { context: NodeContext; state: string } {
  const snapshot = node.actor?.getSnapshot();
  if (snapshot) return { context: snapshot.context, state: stateName(snapshot.value) };
  return { context: initialNodeContext(node.input), state: FRESH_NODE_STATE };
}
