import type { FailurePolicy } from '../../machines/node.types.js';
import type { StateChange } from '../../src/slice/node-actor.js';
import type { DecodedReply, NodeView, WireEntry } from './invariants.js';

/** What a model campaign drives and observes: the agent in this process, or the built agent as a process. */
export interface CampaignWorld {
  readonly onFailure: FailurePolicy;
  /** Whether SSH commands can be held around a restart (a restart must then change no reply). */
  readonly holdsCommands: boolean;
  now(): number;
  /** Lets time pass: the simulated clock moves, or a real one is waited for (briefly). */
  advance(ms: number): Promise<void>;
  call(method: string, nodelist: readonly WireEntry[]): Promise<DecodedReply>;
  /** Lets effects run, then every node the agent lists (undefined: it has no state machine yet). */
  observe(): Promise<Map<string, NodeView | undefined>>;
  /** Node state changes since the last look (none where the world cannot see them). */
  takeChanges(): StateChange[];
  /** The node's truth: its drain verified in its current incarnation (every step of a rung really passed). */
  verified(nodeId: string): boolean;
  /** The node starts a new life in the slice (its earlier verifies prove nothing now). */
  newIncarnation(nodeId: string): void;
  /** A restart took the agent back to that incarnation of the node (later ones were never on disk): its verifies count again. */
  backToLife?(nodeId: string, incarnation: number): void;
  /** Journal write failures so far, and whether the journal takes writes. */
  diskFailures(): number;
  journalHealthy(): boolean;
  holdCommands(): void;
  releaseCommands(): void;
  restart(kind: 'crash' | 'clean'): Promise<void>;
  /** Which life of a node_id the agent answers for where it has no state machine for it (0: none known). */
  lifeOf?(nodeId: string): number;
  /** Whether the agent has a state machine for the node now. */
  observedNow?(nodeId: string): boolean;
  /** Reads of the node list that succeeded so far (a manifest world). */
  reads?(): number;
  /** Whether a restart now would start from what the agent already knows (no read of its node list pending). */
  restartChangesNothing?(): boolean;
  /** A log line that says the daemon lost control of something, if one was written. */
  internalError(): string | undefined;
  close(): Promise<void>;
}
