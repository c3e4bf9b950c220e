import { describe, expect, it } from 'vitest';
import type { NodeEvent, NodeInput } from '../../machines/node.types.js';
import { type RoutedNode, route, startsDrain } from '../../src/slice/event-route.js';
import { outline, settle, simulatedNode } from '../helpers/scripted-drain.js';

const countdown = (maxWaitTime: number): NodeEvent => ({ type: 'DELETE_PENDING', maxWaitTime, at: 1_000_000 });
const value = (v: number): NodeEvent => ({ type: 'VALUE_SET', value: v, at: 1_000_000 });
const deleted: NodeEvent = { type: 'DELETE_COMPLETE', at: 1_000_000 };
const input = (extra: Partial<NodeInput> = {}): NodeInput => ({
  nodeId: 'pc101',
  clientId: 'node1',
  plan: outline(),
  bestEffortSeconds: 5,
  onFailure: 'hold',
  ...extra,
});
const unstarted = (extra: Partial<NodeInput> = {}, holds = false): RoutedNode => ({
  holds,
  snapshot: undefined,
  input: input(extra),
});

/** A node's real snapshot after `events` (the chart's own tags decide, never a copy of them). */
async function nodeAfter(events: NodeEvent[], extra: Partial<NodeInput> = {}, holds = false): Promise<RoutedNode> {
  const n = simulatedNode({ run: () => 'hang' }, extra);
  for (const event of events) n.actor.send(event);
  await settle();
  return { holds, snapshot: n.state(), input: input(extra) };
}

describe('route(node, event): where an event goes, read from the chart', () => {
  it('a countdown that waits starts a drain now while the call may start one, else after the reply', async () => {
    expect(route(unstarted(), countdown(300), true)).toBe('now');
    expect(route(unstarted(), countdown(300), false)).toBe('later');
    expect(startsDrain(unstarted(), countdown(300))).toBe(true);
    const idle = await nodeAfter([value(0.5)]);
    expect(route(idle, countdown(300), false)).toBe('later');
  });

  it('a countdown the cluster cannot wait for goes now, ahead of the events that wait', () => {
    expect(route(unstarted(), countdown(0), false)).toBe('now');
    expect(route(unstarted({}, true), countdown(0), false)).toBe('now');
    expect(route(unstarted({}, true), countdown(300), true)).toBe('later');
    expect(startsDrain(unstarted(), countdown(0))).toBe(false);
  });

  it('a draining node takes a later countdown now (it moves the deadline); a drained one skips it', async () => {
    const draining = await nodeAfter([countdown(300)]);
    expect(route(draining, countdown(200), false)).toBe('now');
    expect(startsDrain(draining, countdown(200))).toBe(false);
    const n = simulatedNode({});
    n.actor.send(countdown(300));
    await settle();
    const drained: RoutedNode = { holds: false, snapshot: n.state(), input: input() };
    expect(n.state().hasTag('released')).toBe(true);
    expect(route(drained, countdown(200), true)).toBe('skip');
    expect(route(drained, deleted)).toBe('now');
  });

  it('a value for an unstarted node is kept in its input unless it starts the prepare steps', () => {
    expect(route(unstarted(), value(0.2))).toBe('skip');
    const preparing = { prepareAt: 0.3, plan: outline({ prepare: [{ ...outline().graceful[0]!, name: 'p' }] }) };
    expect(route(unstarted(preparing), value(0.2))).toBe('now');
    expect(route(unstarted(preparing), value(0.9))).toBe('skip');
    expect(route(unstarted(preparing, true), value(0.2))).toBe('later');
  });

  it('the same value again is skipped, except where a value may start the prepare steps', async () => {
    const idle = await nodeAfter([value(0.5)]);
    expect(route(idle, value(0.5))).toBe('now');
    const draining = await nodeAfter([value(0.5), countdown(300)]);
    expect(route(draining, value(0.5))).toBe('skip');
    expect(route(draining, value(0.4))).toBe('now');
    expect(route({ ...draining, holds: true }, value(0.5))).toBe('later');
  });
});
