import type { NodeInput } from '../../machines/node.types.js';
import { RELEASED_TAG } from '../../machines/node.types.js';
import type { SshTarget } from '../ssh/ssh-runner.js';
import type { NodeActor, NodeSnapshot } from './node-actor.js';

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
    readonly target: SshTarget,
    /** The node's input; `value` may change before the actor starts (see Slice.setResourceValues). */
    readonly input: NodeInput,
    private readonly start: (input: NodeInput) => NodeActor,
    /** Learned from a call (its host from hostTemplate), not from the configuration. */
    readonly adopted: boolean,
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

/** Whether the cluster may take the node now: deleted, or in a state tagged released. */
export function givenBack(snapshot: NodeSnapshot): boolean {
  return snapshot.status === 'done' || snapshot.hasTag(RELEASED_TAG);
}
