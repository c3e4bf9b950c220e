import { describe, expect, it } from 'vitest';
import { stateName } from '../../src/slice/node-actor.js';
import { outline, STEP, settle, simulatedNode } from '../helpers/scripted-drain.js';

const pending = (maxWaitTime: number, at: number) => ({ type: 'DELETE_PENDING' as const, maxWaitTime, at });
const FORCE = { ...STEP, name: 'kill-9', estimateSeconds: 20 };
// Deadline 300 s away, force needs 20 s + a 10 s reserve: the switch point is 270 s in.
const ladder = outline({ force: [FORCE], reserveSeconds: 10 });
const drainState = (n: ReturnType<typeof simulatedNode>) => {
  const child = n.state().children.drain;
  return child ? stateName(child.getSnapshot().value) : null;
};

describe('the escalation ladder', () => {
  it('a graceful rung that verifies early never runs the force steps', async () => {
    const n = simulatedNode({}, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    expect(n.state().value).toBe('drained');
    expect(n.state().context.escalation).toBeNull();
    expect(n.calls.map((c) => c.request.phase)).toEqual(['graceful', 'graceful']);
  });

  it('a graceful rung too slow is cut at the switch point and the force steps run', async () => {
    const n = simulatedNode({ run: (r) => (r.phase === 'graceful' ? 'hang' : 'ok') }, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    n.clock.increment(269_000);
    await settle();
    expect(drainState(n)).toMatch(/^graceful/);
    n.clock.increment(1_000);
    await settle();
    expect(n.calls[0]?.signal.aborted).toBe(true);
    expect(n.calls.filter((c) => c.request.phase === 'force').map((c) => c.kind)).toEqual(['run', 'verify']);
    expect(n.state().value).toBe('drained');
    expect(n.state().context.escalation).toBe('time');
  });

  it('a force rung too slow is cut off at the deadline and the node forced', async () => {
    const n = simulatedNode({ run: () => 'hang' }, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    n.clock.increment(270_000);
    await settle();
    expect(drainState(n)).toBe('force.running');
    n.clock.increment(30_000);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('deadline');
    expect(n.calls.every((c) => c.signal.aborted)).toBe(true);
  });

  it('a failed graceful step escalates to force at once', async () => {
    const n = simulatedNode({ run: (r) => (r.phase === 'graceful' ? 'crash' : 'ok') }, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    expect(n.state().value).toBe('drained');
    expect(n.state().context.escalation).toBe('failure');
  });

  it('a countdown call that brings the deadline closer moves the switch point', async () => {
    const n = simulatedNode({ run: (r) => (r.phase === 'graceful' ? 'hang' : 'ok') }, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    n.clock.increment(60_000);
    // The cluster now says 100 s: the switch point moves to 70 s from here.
    n.actor.send(pending(100, n.clock.now()));
    n.clock.increment(69_000);
    await settle();
    expect(drainState(n)).toMatch(/^graceful/);
    n.clock.increment(1_000);
    await settle();
    expect(n.state().value).toBe('drained');
    expect(n.state().context.escalation).toBe('time');
  });

  it('with less time than the force steps need, the drain starts with them', async () => {
    const n = simulatedNode({ run: () => 'hang' }, { plan: ladder });
    n.actor.send(pending(25, n.clock.now()));
    await settle();
    expect(n.calls.map((c) => c.request.phase)).toEqual(['force']);
  });

  it('a failed force rung leaves the node held', async () => {
    const n = simulatedNode({ verify: () => 'fail' }, { plan: ladder });
    n.actor.send(pending(300, n.clock.now()));
    for (let i = 0; i < 8; i += 1) {
      await settle();
      n.clock.increment(2_000);
    }
    expect(n.state().value).toBe('held');
    expect(n.state().context.failure).toMatch(/^kill-9: verify did not pass/);
  });
});

describe('the prepare phase', () => {
  const PREP = { ...STEP, name: 'no-new-work' };
  const withPrepare = outline({ prepare: [PREP] });

  it('runs the prepare steps once the value falls to prepareAt, before any revocation', async () => {
    const n = simulatedNode({}, { plan: withPrepare, prepareAt: 0.2 });
    n.actor.send({ type: 'VALUE_SET', value: 0.5, at: 0 });
    expect(stateName(n.state().value)).toBe('allocated.idle');
    n.actor.send({ type: 'VALUE_SET', value: 0.1, at: 0 });
    expect(n.state().context.value).toBe(0.1);
    await settle();
    expect(stateName(n.state().value)).toBe('allocated.prepared');
    expect(n.calls.map((c) => [c.request.phase, c.request.step.name, c.request.node.deadline])).toEqual([
      ['prepare', 'no-new-work', null],
      ['prepare', 'no-new-work', null],
    ]);
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    expect(n.state().value).toBe('drained');
  });

  it('reads low values as “reclaim soon” by default: under LIFO the newest nodes get the lowest values and go first', async () => {
    const n = simulatedNode({}, { plan: withPrepare, prepareAt: 0.2 });
    expect(n.state().context.valueMeans).toBe('keep-worth');
    n.actor.send({ type: 'VALUE_SET', value: 0.9, at: 0 });
    expect(stateName(n.state().value)).toBe('allocated.idle');
    n.actor.send({ type: 'VALUE_SET', value: 0.1, at: 0 });
    expect(stateName(n.state().value)).toBe('allocated.preparing');
  });

  it('reads high values as “reclaim soon” when valueMeans is reclaim-likelihood', async () => {
    const n = simulatedNode({}, { plan: withPrepare, prepareAt: 0.8, valueMeans: 'reclaim-likelihood' });
    n.actor.send({ type: 'VALUE_SET', value: 0.1, at: 0 });
    expect(stateName(n.state().value)).toBe('allocated.idle');
    n.actor.send({ type: 'VALUE_SET', value: 0.9, at: 0 });
    expect(stateName(n.state().value)).toBe('allocated.preparing');
  });

  it('a revocation during prepare stops it and starts the drain', async () => {
    const n = simulatedNode(
      { run: (r) => (r.phase === 'prepare' ? 'hang' : 'ok') },
      { plan: withPrepare, prepareAt: 0.2 },
    );
    n.actor.send({ type: 'VALUE_SET', value: 0, at: 0 });
    n.actor.send(pending(300, n.clock.now()));
    await settle();
    expect(n.calls[0]?.signal.aborted).toBe(true);
    expect(n.state().value).toBe('drained');
  });

  it('a failed prepare is recorded and the drain still runs in full', async () => {
    const n = simulatedNode(
      { run: (r) => (r.phase === 'prepare' ? 'crash' : 'ok') },
      { plan: withPrepare, prepareAt: 0.2 },
    );
    n.actor.send({ type: 'VALUE_SET', value: 0, at: 0 });
    await settle();
    expect(stateName(n.state().value)).toBe('allocated.prepareFailed');
    expect(n.state().context.prepareFailure).toMatch(/no-new-work: node unreachable/);
  });
});
