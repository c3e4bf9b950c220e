import type { ClientCallResult } from './client-caller.js';

/** A node of the simulated slice; `clientId` null for a node the slice does not hold. */
export interface SimNode {
  nodeId: string;
  clientId: string | null;
}

export interface SentEntry extends SimNode {
  maxWaitTime: number;
}

export type CountdownFault = 'no-wait' | 'duplicated-tick' | 'reply-timeout';

/** Everything the simulated cluster did, in order; `at` is ms since the run started. */
export type SimEvent =
  | { type: 'values'; at: number; entries: Array<SimNode & { value: number }>; call: ClientCallResult }
  | {
      type: 'countdown';
      tick: number;
      at: number;
      sent: SentEntry[];
      /** Nodes the reply gave back early (max_wait_time 0 where the cluster could still wait). */
      released: string[];
      /** Nodes the cluster takes anyway: sent with max_wait_time 0. */
      taken: string[];
      faults: CountdownFault[];
      /** The second call of a duplicated tick. */
      repeat: boolean;
      call: ClientCallResult;
    }
  | { type: 'missed'; tick: number; at: number }
  | { type: 'deleted'; at: number; nodes: string[]; call: ClientCallResult };

/** How a node left the slice. */
export type NodeEnd =
  /** The agent released it before the deadline. */
  | 'released'
  /** Its wait ran out: the cluster took it at the deadline. */
  | 'deadline'
  /** The cluster could not wait (max_wait_time 0 from the start). */
  | 'no-wait'
  /** The run stopped before the node was taken. */
  | 'pending';

export interface NodeOutcome extends SimNode {
  wave: number;
  revokedAtTick: number;
  end: NodeEnd;
  /** The countdown call whose reply released the node, or at which it was taken. */
  endTick: number | null;
  /** The max_wait_time the cluster no longer had to wait: the seconds the node came back early. */
  givenBackSeconds: number;
  /** ms since start of the NotifyDeleteComplete that named it. */
  deletedAt: number | null;
}

export interface SimRecord {
  scenario: string;
  startedAt: number;
  durationMs: number;
  interval: number;
  waitTime: number;
  events: SimEvent[];
  nodes: NodeOutcome[];
}
