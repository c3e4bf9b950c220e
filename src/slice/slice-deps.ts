import type { Logger } from 'pino';
import type { FailurePolicy, ValueMeaning } from '../../machines/node.types.js';
import type { DrainPlan } from '../drain/plan.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import type { SshRunner } from '../ssh/ssh-runner.js';
import type { Clock, StateChange } from './node-actor.js';

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
  /**
   * How many drains one countdown call starts before it answers; the rest start right after the
   * reply, in call order, a slice of the event loop at a time (default 2).
   */
  startBeforeReply?: number;
  /** Each drain command as it starts and ends (for status and metrics). */
  onCommand?: (event: DrainCommandEvent) => void;
}
