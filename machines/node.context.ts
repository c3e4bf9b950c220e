import type { NodeContext, NodeInput } from './node.types.js';

/** A node's context when its actor starts: from its input, and what a restart restores of it. */
export function initialNodeContext(input: NodeInput): NodeContext {
  return {
    nodeId: input.nodeId,
    incarnation: input.incarnation ?? 1,
    clientId: input.clientId,
    value: input.value ?? null,
    plan: input.plan,
    bestEffortSeconds: input.bestEffortSeconds,
    onFailure: input.onFailure,
    prepareAt: input.prepareAt ?? null,
    valueMeans: input.valueMeans ?? 'keep-worth',
    prepareFailure: null,
    escalation: null,
    revokedAt: null,
    deadline: null,
    maxWaitTime: null,
    failure: null,
    forcedReason: null,
    deletedAt: null,
    workLost: false,
    released: false,
    ...input.restore?.memory,
    restoredAs: input.restore?.state ?? null,
    suspectSteps: input.restore?.suspectSteps ?? [],
    crashSuspect: false,
  };
}
