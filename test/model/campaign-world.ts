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
  /** Journal write failures so far, and whether the journal takes writes. */
  diskFailures(): number;
  journalHealthy(): boolean;
  holdCommands(): void;
  releaseCommands(): void;
  restart(kind: 'crash' | 'clean'): Promise<void>;
  /** A log line that says the daemon lost control of something, if one was written. */
  internalError(): string | undefined;
  close(): Promise<void>;
}
