import { describe, expect, it } from 'vitest';
import { type NodeMemory, RELEASED_TAG } from '../../machines/node.types.js';
import { stateName } from '../../src/slice/node-actor.js';
import { nodeMemory } from '../helpers/node-memory.js';
import { settle, simulatedNode } from '../helpers/scripted-drain.js';

const NOW = 1_000_000;
const memory = (deadline: number | null): NodeMemory =>
  nodeMemory({ value: 0.4, revokedAt: NOW - 60_000, deadline, maxWaitTime: 120 });

describe('a node rebuilt after a restart', () => {
  it('resumes a drain by verifying first and skips a step already done', async () => {
    const n = simulatedNode({}, { restore: { state: 'draining.countdown', memory: memory(NOW + 60_000) } });
    expect(stateName(n.state().value)).toBe('draining.countdown');
    expect(n.state().context.value).toBe(0.4);
    await settle();
    expect(n.state().value).toBe('drained');
    expect(n.calls.map((c) => c.kind)).toEqual(['verify']);
  });

  it('runs a step whose probe fails, then verifies it', async () => {
    let verifies = 0;
    const n = simulatedNode(
      { verify: () => (verifies++ === 0 ? 'fail' : 'ok') },
      { restore: { state: 'draining.countdown', memory: memory(NOW + 60_000) } },
    );
    await settle();
    expect(n.calls.map((c) => c.kind)).toEqual(['verify', 'run', 'verify']);
    expect(n.state().value).toBe('drained');
  });

  it('does not run again a step the agent died in too often: its probe fails, so the step fails', async () => {
    const suspectSteps = [{ rung: 'graceful' as const, stepIndex: 0 }];
    const n = simulatedNode(
      { verify: () => 'fail' },
      { restore: { state: 'draining.countdown', memory: memory(NOW + 60_000), suspectSteps } },
    );
    await settle();
    expect(n.calls.map((c) => c.kind)).toEqual(['verify']);
    expect(n.state().value).toBe('held');
    expect(n.state().context.failure).toMatch(/^stop-jobs: agent-crashed-during-step/);
  });

  it('counts a suspect step done when its probe passes', async () => {
    const suspectSteps = [{ rung: 'graceful' as const, stepIndex: 0 }];
    const n = simulatedNode(
      {},
      { restore: { state: 'draining.countdown', memory: memory(NOW + 60_000), suspectSteps } },
    );
    await settle();
    expect(n.calls.map((c) => c.kind)).toEqual(['verify']);
    expect(n.state().value).toBe('drained');
  });

  it('still cuts the drain at the journaled deadline', async () => {
    const n = simulatedNode(
      { verify: () => 'hang' },
      { restore: { state: 'draining.countdown', memory: memory(NOW + 30_000) } },
    );
    n.clock.increment(29_999);
    expect(stateName(n.state().value)).toBe('draining.countdown');
    n.clock.increment(1);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('deadline');
  });

  it('a held node is forced at its journaled deadline', () => {
    const n = simulatedNode(
      {},
      { restore: { state: 'held', memory: { ...memory(NOW + 10_000), failure: 'stop: exit 1' } } },
    );
    expect(n.state().value).toBe('held');
    expect(n.state().context.failure).toBe('stop: exit 1');
    n.clock.increment(10_000);
    expect(n.state().value).toBe('forced');
  });

  it.each([
    ['drained', true],
    ['forced', true],
    ['draining.bestEffort', true],
    ['allocated.prepared', false],
  ] as const)('comes back %s, released: %s, without running anything', (state, released) => {
    const n = simulatedNode(
      { run: () => 'hang', verify: () => 'hang' },
      { restore: { state, memory: memory(NOW + 60_000) } },
    );
    expect(stateName(n.state().value)).toBe(state);
    expect(n.state().hasTag(RELEASED_TAG)).toBe(released);
    if (state !== 'draining.bestEffort') expect(n.calls).toEqual([]);
  });

  it('a deleted node stays deleted', () => {
    const n = simulatedNode(
      {},
      { restore: { state: 'deleted', memory: { ...memory(null), workLost: true, deletedAt: NOW } } },
    );
    expect(n.state().status).toBe('done');
    expect(n.state().context.workLost).toBe(true);
  });
});
