import { describe, expect, it } from 'vitest';
import { RELEASED_TAG } from '../../machines/node.types.js';
import { stateName } from '../../src/slice/node-actor.js';
import { STEP, settle, simulatedNode } from '../helpers/scripted-drain.js';

const pending = (maxWaitTime: number, at: number) => ({ type: 'DELETE_PENDING' as const, maxWaitTime, at });
type Node = ReturnType<typeof simulatedNode>;

/** What the cluster can do to a node while its drain runs, and time passing. */
const MOVES: Record<string, (n: Node) => void> = {
  'countdown 0': (n) => n.actor.send(pending(0, n.clock.now())),
  'countdown 30': (n) => n.actor.send(pending(30, n.clock.now())),
  'countdown 300': (n) => n.actor.send(pending(300, n.clock.now())),
  '2 s pass': (n) => n.clock.increment(2_000),
  '60 s pass': (n) => n.clock.increment(60_000),
};

function* sequences(length: number, prefix: string[] = []): Generator<string[]> {
  if (prefix.length > 0) yield prefix;
  if (prefix.length === length) return;
  for (const move of Object.keys(MOVES)) yield* sequences(length, [...prefix, move]);
}

describe('released is monotonic within an incarnation', () => {
  it('a node released in the best-effort window stays released when a later countdown comes and its drain fails', async () => {
    const n = simulatedNode({ verify: () => 'fail' }, { bestEffortSeconds: 5 });
    n.actor.send(pending(0, n.clock.now()));
    expect(n.state().hasTag(RELEASED_TAG)).toBe(true);
    // The cluster counts down again, with time to spare: the node was already given back.
    n.actor.send(pending(60, n.clock.now()));
    for (let attempt = 0; attempt < STEP.verifyAttempts; attempt += 1) {
      await settle();
      n.clock.increment(STEP.verifyIntervalSeconds * 1000);
    }
    await settle();
    expect(n.state().context.failure).toMatch(/verify did not pass/);
    expect(n.state().value).toBe('forced');
    expect(n.state().context.forcedReason).toBe('no-wait');
    expect(n.state().hasTag(RELEASED_TAG)).toBe(true);
  });

  it.each([
    ['a drain that verifies', 'ok'],
    ['a drain that never verifies', 'fail'],
    ['a drain that cannot reach the node', 'crash'],
  ] as const)('holds for every sequence of up to 4 countdowns and clock moves, with %s', async (_, answer) => {
    let checked = 0;
    for (const sequence of sequences(4)) {
      const n = simulatedNode(answer === 'crash' ? { run: () => 'crash' } : { verify: () => answer }, {
        bestEffortSeconds: 5,
      });
      let releasedIn: string | null = null;
      for (const move of sequence) {
        MOVES[move]!(n);
        await settle();
        const state = stateName(n.state().value);
        const released = n.state().hasTag(RELEASED_TAG);
        if (releasedIn !== null && !released) {
          throw new Error(`released in ${releasedIn}, then reported kept in ${state} after: ${sequence.join(' → ')}`);
        }
        if (released) releasedIn ??= state;
        expect(n.state().context.released).toBe(released);
        checked += 1;
      }
      n.actor.stop();
    }
    expect(checked).toBeGreaterThan(700);
  });
});
