import type { PlanOutline, StepRef } from './drain.types.js';

/** What the cluster told us, as events; `at` is when the call arrived (epoch ms). */
export type NodeEvent =
  | { type: 'DELETE_PENDING'; maxWaitTime: number; at: number }
  | { type: 'VALUE_SET'; value: number; at: number }
  /**
   * `inferred`: the agent saw evidence that the cluster took the node (it left the node list, or
   * SetResourceValues names it outside the slice) without the NotifyDeleteComplete that says so; its
   * deletion time is then unknown (deletedAt null), so no countdown is taken for a late repeat of it.
   */
  | { type: 'DELETE_COMPLETE'; at: number; inferred?: boolean };

export type FailurePolicy = 'hold' | 'release';

/** How to read SetResourceValues: a high value means the cluster wants the node back, or values it. */
export type ValueMeaning = 'reclaim-likelihood' | 'keep-worth';

/** Why a node was given back without a verified drain. */
export type ForcedReason = 'deadline' | 'no-wait' | 'drain-failed';

/**
 * What a state means, declared on the state itself (never in a list beside the chart):
 * - `released`: the cluster may take the node now; the next countdown reply says max_wait_time 0.
 * - `ignoresCountdown`: a countdown changes nothing (the node keeps the deadline it was released
 *   under), so the slice does not send it.
 * - `restorable`: the journal records the state and a restart rebuilds the node in it (booting's
 *   transitions are made from this tag: see node.tags.ts).
 * - `runsSteps`: the node's drain (or prepare) steps run in this state; a node journaled in any other
 *   state has no step running (the crash search reads it: src/store/interrupted-steps.ts).
 * - `rests`: nothing runs or waits in this state (no timer, no child actor): the node's actor may be
 *   stopped and woken from its snapshot when an event needs it (src/slice/lazy-node.ts).
 * - `startsDrain`: a countdown that waits starts the node's drain (the mailbox counts these against
 *   the drains one reply may start: src/slice/node-mailbox.ts).
 * - `idle`: allocated with nothing under way: a node may leave the slice from here, and a value from
 *   the cluster may start its prepare steps.
 * - `drainRunning`: the drain plan runs; its expected end (ETA) and duration are measured here.
 * - `verified`: every verify of the drain passed.
 * - `unverified`: the drain ended without its verify (held for an operator, or given back forced):
 *   what the dashboard and `history` show at risk.
 * - `gone`: the cluster deleted the node; this incarnation has ended.
 * The lifecycle questions asked outside machines/ are these tags (src/ reads no state name to decide).
 */
export type NodeTag =
  | 'released'
  | 'ignoresCountdown'
  | 'restorable'
  | 'runsSteps'
  | 'rests'
  | 'startsDrain'
  | 'idle'
  | 'drainRunning'
  | 'verified'
  | 'unverified'
  | 'gone';

/**
 * A state name as the journal and the status API write it: `draining.countdown`. Typed as the chart's
 * names in node.states.ts (NodeStateName); a string here, where the chart's own types are made.
 */
export type RestorableState = string;

/** Where a new node settles when its actor starts (booting's default target). */
export const FRESH_NODE_STATE = 'allocated.idle' as const;

/**
 * What of a node's context survives a restart: the journal keeps these keys and no other.
 * `incarnation` is absent from records written before incarnations were recorded: those are a node's first.
 */
export const MEMORY_KEYS = [
  'value',
  'revokedAt',
  'deadline',
  'maxWaitTime',
  'failure',
  'forcedReason',
  'deletedAt',
  'workLost',
  'escalation',
  'prepareFailure',
  'incarnation',
] as const satisfies readonly (keyof NodeContext)[];

type MemoryKey = (typeof MEMORY_KEYS)[number];

/** The journaled part of a node's context (MEMORY_KEYS). */
export type NodeMemory = Pick<NodeContext, Exclude<MemoryKey, 'incarnation'>> &
  Partial<Pick<NodeContext, 'incarnation'>>;

export interface NodeRestore {
  state: RestorableState;
  memory: NodeMemory;
  /** Steps the agent died in too often while they ran: probed with verify, never run again. */
  suspectSteps?: StepRef[];
}

export interface NodeInput {
  nodeId: string;
  clientId: string | null;
  value?: number | null;
  plan: PlanOutline;
  /** How long a drain may run when the cluster cannot wait (max_wait_time 0). */
  bestEffortSeconds: number;
  onFailure: FailurePolicy;
  /** Value at which the prepare steps run; null: never. */
  prepareAt?: number | null;
  valueMeans?: ValueMeaning;
  /** Rebuild the node as it was before a restart; deadlines re-arm from the absolute times. */
  restore?: NodeRestore;
  /** 1 for a node's first life in the slice; one more each time it comes back after its deletion. */
  incarnation?: number;
}

export interface NodeContext {
  nodeId: string;
  /**
   * Which life of this node_id in the slice: a node deleted and later given back to the slice is a
   * new incarnation, with its own actor and its own drain.
   */
  incarnation: number;
  clientId: string | null;
  /** The cluster's value for the node (0..1); null until SetResourceValues names it. */
  value: number | null;
  plan: PlanOutline;
  bestEffortSeconds: number;
  onFailure: FailurePolicy;
  prepareAt: number | null;
  valueMeans: ValueMeaning;
  /** Why the prepare steps failed, when they did. */
  prepareFailure: string | null;
  /** Why the force steps started during the drain ('time' or 'failure'), if they did. */
  escalation: 'time' | 'failure' | null;
  /** When the first countdown call named the node (epoch ms). */
  revokedAt: number | null;
  /** Absolute time the cluster takes the node (epoch ms), from the latest countdown call. */
  deadline: number | null;
  /** The latest max_wait_time the cluster sent. */
  maxWaitTime: number | null;
  failure: string | null;
  forcedReason: ForcedReason | null;
  deletedAt: number | null;
  /** Deleted before a verified drain: the node's jobs may have been cut off. */
  workLost: boolean;
  /**
   * Reported released (a state tagged `released` was entered) in this incarnation. Released stays
   * released until the node is deleted: no later failure takes it back from the cluster.
   */
  released: boolean;
  /** Set when the node was rebuilt after a restart: running steps then verify before they act. */
  restoredAs: RestorableState | null;
  /** Steps the agent died in too often (from the journal, at a restart): the drain does not run them again. */
  suspectSteps: StepRef[];
  /**
   * The drain failed in a step the agent died in too often: `onFailure: release` does not release
   * it (it is held until a verify passes or the deadline).
   */
  crashSuspect: boolean;
}

/** The tag of states the cluster may take the node in (see isReleased in node.tags.ts). */
export const RELEASED_TAG = 'released' satisfies NodeTag;

/** Why the cluster may take the node: its drain was verified, or a forced reason. */
export type ReleaseReason = 'drained' | ForcedReason;

/**
 * What the chart tells observers has happened to a node (xstate `emit`, read with `actor.on`), in the
 * order it happened; `at` is epoch ms on the agent's clock. Nothing is announced again when a node is
 * rebuilt after a restart: these are news, not state.
 */
export type NodeSignal =
  | { type: 'drainStarted'; at: number; maxWaitTime: number | null }
  | { type: 'drained'; at: number }
  | { type: 'failed'; at: number; failure: string }
  | { type: 'forced'; at: number; reason: ForcedReason }
  | { type: 'released'; at: number; reason: ReleaseReason; deadline: number | null }
  | { type: 'workLost'; at: number };
