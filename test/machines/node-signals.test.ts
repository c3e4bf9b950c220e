import { describe, expect, it } from 'vitest';
import type { NodeSignal } from '../../machines/node.types.js';
import { flush, simulatedNode } from '../helpers/scripted-drain.js';

const pending = (maxWaitTime: number, at: number) => ({ type: 'DELETE_PENDING' as const, maxWaitTime, at });

/** A simulated node and every signal its chart emits from now on. */
function watched(...args: Parameters<typeof simulatedNode>) {
  const n = simulatedNode(...args);
  const signals: NodeSignal[] = [];
  n.actor.on('*', (signal) => void signals.push(signal));
  return { ...n, signals };
}

describe('what the node chart announces', () => {
  it('a verified drain: drain started, drained, released (verified), on the agent’s clock', async () => {
    const n = watched({});
    n.actor.send(pending(300, n.clock.now()));
    await flush();
    await flush();
    expect(n.signals).toEqual([
      { type: 'drainStarted', at: 1_000_000, maxWaitTime: 300 },
      { type: 'drained', at: 1_000_000 },
      { type: 'released', at: 1_000_000, reason: 'drained', deadline: 1_300_000 },
    ]);
  });

  it('a cluster that cannot wait: released at once (no-wait), forced after the window, never released twice', () => {
    const n = watched({ run: () => 'hang' });
    n.actor.send(pending(0, n.clock.now()));
    n.clock.increment(5_000);
    expect(n.signals.map((s) => s.type)).toEqual(['drainStarted', 'released', 'forced']);
    expect(n.signals[1]).toMatchObject({ reason: 'no-wait' });
    expect(n.signals[2]).toEqual({ type: 'forced', at: 1_005_000, reason: 'no-wait' });
  });

  it('a failed drain held to its deadline: failed, then forced and released for the deadline; deleted: work lost', async () => {
    const n = watched({ verify: () => 'fail' });
    n.actor.send(pending(60, n.clock.now()));
    for (let i = 0; i < 3; i += 1) {
      await flush();
      n.clock.increment(2_000);
    }
    await flush();
    expect(n.state().value).toBe('held');
    n.clock.increment(60_000);
    n.actor.send({ type: 'DELETE_COMPLETE', at: n.clock.now() });
    expect(n.signals.map((s) => s.type)).toEqual(['drainStarted', 'failed', 'forced', 'released', 'workLost']);
    expect(n.signals[3]).toMatchObject({ reason: 'deadline' });
  });
});
