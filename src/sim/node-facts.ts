import type { StateChange } from '../slice/node-actor.js';

/** What the agent did with one node, from its state changes (times in epoch ms). */
export interface NodeFacts {
  nodeId: string;
  clientId: string | null;
  state: string;
  drainStartedAt: number | null;
  verifiedAt: number | null;
  failure: string | null;
  forcedReason: string | null;
  /** Deleted before its drain was verified. */
  workLost: boolean;
}

/** Collects NodeFacts from the agent's onChange hook. */
export class NodeFactsTracker {
  private readonly facts = new Map<string, NodeFacts>();

  constructor(private readonly now: () => number = Date.now) {}

  readonly onChange = (change: StateChange): void => {
    const { context } = change.snapshot;
    const facts = this.facts.get(change.nodeId) ?? {
      nodeId: change.nodeId,
      clientId: context.clientId,
      state: change.from,
      drainStartedAt: null,
      verifiedAt: null,
      failure: null,
      forcedReason: null,
      workLost: false,
    };
    const at = this.now();
    facts.state = change.to;
    if (facts.drainStartedAt === null && change.snapshot.hasTag('drainRunning')) facts.drainStartedAt = at;
    if (change.snapshot.hasTag('verified')) facts.verifiedAt = at;
    facts.failure = context.failure ?? facts.failure;
    facts.forcedReason = context.forcedReason ?? facts.forcedReason;
    facts.workLost = context.workLost;
    this.facts.set(change.nodeId, facts);
  };

  get(nodeId: string): NodeFacts | undefined {
    return this.facts.get(nodeId);
  }

  workLost(): string[] {
    return [...this.facts.values()].filter((f) => f.workLost).map((f) => f.nodeId);
  }
}
