import type { Logger } from 'pino';
import type { FailurePolicy, NodeInput, ValueMeaning } from '../../machines/node.types.js';
import type { DrainPlan } from '../drain/plan.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import type { SshRunner } from '../ssh/runner-types.js';
import type { LazyNode } from './lazy-node.js';
import type { Clock, NodeSnapshot, StateChange } from './node-actor.js';
import type { LifeChange } from './node-lives.js';

/** Drains one countdown starts before its reply (SliceDeps.startBeforeReply). */
export const DEFAULT_START_BEFORE_REPLY = 2;

export interface SliceDeps {
  plan: DrainPlan;
  runner: SshRunner;
  logger: Logger;
  now: () => number;
  clock?: Clock;
  bestEffortSeconds: number;
  onFailure: FailurePolicy;
  /** Value at which a node's prepare steps run (null: never), read in the `valueMeans` direction. */
  prepareAt?: number | null;
  valueMeans?: ValueMeaning;
  /** SSH login defaults for nodes learned from calls. */
  ssh: { user: string; port: number };
  hostTemplate?: string;
  unknownNodes: 'adopt' | 'release';
  /** Unknown nodes tracked at most; a call that would pass it is refused (see unknown-nodes.ts). */
  maxUnknownNodes?: number;
  /** A countdown naming a deleted node this soon after its deletion is a late repeat (see incarnation.ts). */
  deletedGraceSeconds?: number;
  onChange?: (change: StateChange) => void;
  /** A node's journaled memory changed without a change of state (its deadline moved): journal it. */
  onRemember?: (nodeId: string, snapshot: NodeSnapshot) => void;
  /** A node joined the slice while the agent runs (adopted, or listed by a read): journal it. */
  onJoin?: (node: LazyNode) => void;
  /** A node_id outside the slice's nodes changed life (left, unknown, parked, gone): journal it. */
  onLife?: (change: LifeChange) => void;
  /**
   * How many drains one countdown call starts before it answers; the rest start right after the
   * reply, in call order, a slice of the event loop at a time (default 2).
   */
  startBeforeReply?: number;
  /** Each drain command as it starts and ends (for status and metrics). */
  onCommand?: (event: DrainCommandEvent) => void;
  /** Resolves when a drain command of the node may run (the crash search: src/drain/crash-search.ts). */
  admitCommand?: (nodeId: string, signal: AbortSignal) => Promise<void>;
}

/** Every node's input but its identity, restore and incarnation: the slice's settings. */
export function nodeSettings(
  deps: SliceDeps,
): Omit<NodeInput, 'nodeId' | 'clientId' | 'restore' | 'incarnation' | 'value'> {
  return {
    plan: deps.plan.outline,
    bestEffortSeconds: deps.bestEffortSeconds,
    onFailure: deps.onFailure,
    prepareAt: deps.prepareAt ?? null,
    valueMeans: deps.valueMeans ?? 'keep-worth',
  };
}
