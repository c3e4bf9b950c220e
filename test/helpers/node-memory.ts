import type { NodeMemory } from '../../machines/node.types.js';

/** A node's journaled memory as a fresh node has it, with what a test sets on top. */
export function nodeMemory(overrides: Partial<NodeMemory> = {}): NodeMemory {
  return {
    value: null,
    revokedAt: null,
    deadline: null,
    maxWaitTime: null,
    failure: null,
    forcedReason: null,
    deletedAt: null,
    workLost: false,
    escalation: null,
    prepareFailure: null,
    ...overrides,
  };
}
