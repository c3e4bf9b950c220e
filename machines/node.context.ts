import type { NodeContext, NodeInput, ValueMeaning } from './node.types.js';

const DEFAULT_VALUE_MEANING: ValueMeaning = 'keep-worth';

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
    valueMeans: input.valueMeans ?? DEFAULT_VALUE_MEANING,
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

/**
 * Whether a value from the cluster starts the node's prepare steps (the chart's `valueCallsForPrepare`
 * guard, in allocated.idle): only with prepare steps and a prepareAt the value crosses. Read from a
 * context or from the input a node's actor would start with (its defaults are the context's).
 */
export function valueStartsPrepare(
  node: { prepareAt?: number | null; valueMeans?: ValueMeaning; plan: NodeContext['plan'] },
  value: number,
): boolean {
  const { prepareAt = null, valueMeans = DEFAULT_VALUE_MEANING } = node;
  if (prepareAt === null || node.plan.prepare.length === 0) return false;
  return valueMeans === 'reclaim-likelihood' ? value >= prepareAt : value <= prepareAt;
}
