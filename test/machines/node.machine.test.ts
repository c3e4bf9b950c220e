import { describe, expect, it } from 'vitest';
import { RELEASED_TAG } from '../../machines/node.types.js';
import { stateName } from '../../src/slice/node-actor.js';
import { flush, outline, settle, simulatedNode } from '../helpers/scripted-drain.js';

const pending = (maxWaitTime: number, at: number) => ({ type: 'DELETE_PENDING' as const, maxWaitTime, at });

describe('node machine', () => {
  it('starts draining on the first countdown call with an absolute deadline', () => {
    const n = simulatedNode({ run: () => 'hang' });
    n.actor.send(pending(300, n.clock.now()));
    expect(stateName(n.state().value)).toBe('draining.countdown');
    expect(n.state().context.deadline).toBe(1_000_000 + 300_000);
    expect(n.state().context.revokedAt).toBe(1_000_000);
    expect(n.state().hasTag(RELEASED_TAG)).toBe(false);
  });

  it('a verified drain makes the node drained and released', async () => {
    const n = simulatedNode({});
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    await flush();
    expect(n.state().value).toBe('drained');
    expect(n.state().hasTag(RELEASED_TAG)).toBe(true);
    expect(n.calls.map((c) => c.kind)).toEqual(['run', 'verify']);
    expect(n.calls[0]?.request.node).toEqual({ nodeId: 'pc101', clientId: 'node1', deadline: 1_300_000 });
  });

  it('a later countdown call moves the deadline without restarting the drain', async () => {
    const n = simulatedNode({ run: () => 'hang' });
    n.actor.send(pending(300, n.clock.now()));
    n.clock.increment(60_000);
    n.actor.send(pending(180, n.clock.now()));
    await flush();
    expect(n.state().context.deadline).toBe(1_060_000 + 180_000);
    expect(n.calls.filter((c) => c.kind === 'run')).toHaveLength(1);
    expect(n.calls[0]?.signal.aborted).toBe(false);
    // The old deadline (1_300_000) passes without effect; the new one (1_240_000) cuts the drain.
    n.clock.increment(179_000);
    expect(stateName(n.state().value)).toBe('draining.countdown');
    n.clock.increment(1_000);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('deadline');
    expect(n.calls[0]?.signal.aborted).toBe(true);
  });

  it('a verify that fails at first is retried after its interval', async () => {
    let verifies = 0;
    const n = simulatedNode({ verify: () => (++verifies < 2 ? 'fail' : 'ok') });
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    await flush();
    expect(n.state().matches('draining')).toBe(true);
    n.clock.increment(2_000);
    await flush();
    expect(n.state().value).toBe('drained');
    expect(verifies).toBe(2);
  });

  it('a drain that never verifies holds the node until the deadline, then forces it', async () => {
    const n = simulatedNode({ verify: () => 'fail' });
    n.actor.send(pending(60, n.clock.now()));
    for (let i = 0; i < 3; i += 1) {
      await flush();
      n.clock.increment(2_000);
    }
    await flush();
    expect(n.state().value).toBe('held');
    expect(n.state().context.failure).toMatch(/stop-jobs: verify did not pass/);
    expect(n.state().hasTag(RELEASED_TAG)).toBe(false);
    n.clock.increment(60_000);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('deadline');
  });

  it('a held node re-arms its deadline when the countdown moves it', async () => {
    const n = simulatedNode({ run: () => 'crash' });
    n.actor.send(pending(60, n.clock.now()));
    await flush();
    expect(n.state().value).toBe('held');
    n.clock.increment(30_000);
    n.actor.send(pending(120, n.clock.now()));
    n.clock.increment(60_000);
    expect(n.state().value).toBe('held');
    n.clock.increment(60_000);
    expect(n.state().value).toBe('forced');
  });

  it('onFailure: release gives a failed node back at once', async () => {
    const n = simulatedNode({ run: () => 'crash' }, { onFailure: 'release' });
    n.actor.send(pending(600, n.clock.now()));
    await flush();
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('drain-failed');
    expect(n.state().context.failure).toMatch(/node unreachable/);
  });

  it('max_wait_time 0 releases the node at once and gives the drain a short window', async () => {
    const n = simulatedNode({ run: () => 'hang' }, { bestEffortSeconds: 4 });
    n.actor.send(pending(0, n.clock.now()));
    expect(stateName(n.state().value)).toBe('draining.bestEffort');
    expect(n.state().hasTag(RELEASED_TAG)).toBe(true);
    n.clock.increment(4_000);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('no-wait');
    expect(n.calls[0]?.signal.aborted).toBe(true);
  });

  it('a best-effort drain that verifies in its window ends drained', async () => {
    const n = simulatedNode({});
    n.actor.send(pending(0, n.clock.now()));
    await flush();
    await flush();
    expect(n.state().value).toBe('drained');
  });

  it('max_wait_time 0 in the middle of a countdown switches to the best-effort window', () => {
    const n = simulatedNode({ run: () => 'hang' });
    n.actor.send(pending(300, n.clock.now()));
    n.actor.send(pending(0, n.clock.now()));
    expect(stateName(n.state().value)).toBe('draining.bestEffort');
  });

  it('a failed best-effort drain is forced, not held', async () => {
    const n = simulatedNode({ run: () => 'crash' });
    n.actor.send(pending(0, n.clock.now()));
    await flush();
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('no-wait');
  });

  it.each([
    ['allocated', [], true],
    ['draining', [pending(300, 1_000_000)], true],
  ] as const)('DELETE_COMPLETE in %s ends the node deleted, work lost', (_, events, lost) => {
    const n = simulatedNode({ run: () => 'hang' });
    for (const e of events) n.actor.send(e);
    n.actor.send({ type: 'DELETE_COMPLETE', at: n.clock.now() });
    expect(n.state().value).toBe('deleted');
    expect(n.state().status).toBe('done');
    expect(n.state().context.workLost).toBe(lost);
    expect(n.state().context.deletedAt).toBe(1_000_000);
    for (const c of n.calls) expect(c.signal.aborted).toBe(true);
  });

  it('DELETE_COMPLETE after a verified drain loses no work', async () => {
    const n = simulatedNode({});
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    await flush();
    n.actor.send({ type: 'DELETE_COMPLETE', at: n.clock.now() });
    expect(n.state().value).toBe('deleted');
    expect(n.state().context.workLost).toBe(false);
  });

  it('DELETE_COMPLETE on held and forced nodes records work lost', async () => {
    for (const onFailure of ['hold', 'release'] as const) {
      const n = simulatedNode({ run: () => 'crash' }, { onFailure });
      n.actor.send(pending(300, n.clock.now()));
      await flush();
      expect(n.state().value).toBe(onFailure === 'hold' ? 'held' : 'forced');
      n.actor.send({ type: 'DELETE_COMPLETE', at: n.clock.now() });
      expect(n.state().context.workLost).toBe(true);
    }
  });

  it('VALUE_SET updates the value in every live state', async () => {
    const n = simulatedNode({ run: () => 'hang' });
    n.actor.send({ type: 'VALUE_SET', value: 0.25, at: 0 });
    expect(n.state().context.value).toBe(0.25);
    n.actor.send(pending(300, n.clock.now()));
    n.actor.send({ type: 'VALUE_SET', value: 0.5, at: 0 });
    expect(n.state().context.value).toBe(0.5);
    n.clock.increment(300_000);
    expect(n.state().value).toBe('forced');
    n.actor.send({ type: 'VALUE_SET', value: 0.75, at: 0 });
    expect(n.state().context.value).toBe(0.75);
  });

  it('logs each state change through the node’s child logger', async () => {
    const n = simulatedNode({});
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    await flush();
    const changes = n.lines.filter((l) => l.msg === 'node state changed');
    expect(changes.map((l) => [l.nodeId, l.from, l.to])).toEqual([
      ['pc101', 'allocated.idle', 'draining.countdown'],
      ['pc101', 'draining.countdown', 'drained'],
    ]);
  });

  it('logs a node held or forced as a warning, with the reason; other changes as info', async () => {
    const n = simulatedNode({ run: () => 'crash' });
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    const held = n.lines.find((l) => l.msg === 'node state changed' && l.to === 'held');
    expect(held).toMatchObject({ level: 40, failure: expect.any(String) });
    n.actor.send(pending(0, n.clock.now()));
    const forced = n.lines.find((l) => l.msg === 'node state changed' && l.to === 'forced');
    expect(forced).toMatchObject({ level: 40, forcedReason: 'no-wait' });
    const started = n.lines.find((l) => l.msg === 'node state changed' && l.to === 'draining.countdown');
    expect(started).toMatchObject({ level: 30 });
  });

  it('a plan with no steps never counts as drained', async () => {
    const n = simulatedNode({}, { plan: outline({ graceful: [] }) });
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    expect(n.state().value).toBe('held');
    expect(n.state().context.failure).toMatch(/no steps/);
  });
});
