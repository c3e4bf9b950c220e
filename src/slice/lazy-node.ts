import type { NodeInput } from '../../machines/node.types.js';
import type { SshTarget } from '../ssh/ssh-runner.js';
import type { NodeActor } from './node-actor.js';

export interface SliceNode {
  nodeId: string;
  clientId: string | null;
  target: SshTarget;
  /** The node's state machine, started on first use: an idle node that nothing asked about has none yet. */
  readonly actor: NodeActor;
  /** Whether the actor exists; an unstarted node is allocated and idle. */
  readonly started: boolean;
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

  get actor(): NodeActor {
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
  return node.started ? node.actor.getSnapshot().context.incarnation : (node.input.incarnation ?? 1);
}

/** Allocated and idle: nothing runs on the node and nothing about it is under way. */
export function isIdle(node: LazyNode): boolean {
  if (!node.started) return true;
  const snapshot = node.actor.getSnapshot();
  return snapshot.status === 'active' && snapshot.matches({ allocated: 'idle' });
}

