import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { type ConnectFailure, sshConnectionMachine } from '../../machines/ssh-connection.machine.js';

const refused: ConnectFailure = { reason: 'refused', detail: 'refused: connect ECONNREFUSED' };
const authFailed: ConnectFailure = {
  reason: 'auth-failed',
  detail: 'auth-failed: All configured authentication methods failed',
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The chart with scripted handshakes (one answer each, in order) on a simulated clock. */
function connection(answers: Array<ConnectFailure | null>, options: { kept?: boolean } = {}) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  let drop: (() => void) | undefined;
  const machine = sshConnectionMachine.provide({
    actors: {
      handshake: fromPromise(async () => {
        log.push('handshake');
        return answers.shift() ?? null;
      }),
      watchConnection: fromCallback(({ sendBack }) => {
        drop = () => sendBack({ type: 'DROPPED' });
        return () => (drop = undefined);
      }),
      closeConnection: fromPromise(async ({ input }) => void log.push(`close: ${input.reason}`)),
    },
    guards: { keptOpen: () => options.kept === true },
    actions: { releaseSlot: () => void log.push('slot released') },
  });
  const actor = createActor(machine, {
    input: { nodeId: 'pc1', retries: 2, backoffMs: 500, rewarmMs: 2_000 },
    clock,
  }).start();
  const state = () => JSON.stringify(actor.getSnapshot().value);
  return { actor, clock, log, state, drop: () => drop?.() };
}

describe('the SSH connection chart', () => {
  it('retries a failure that may pass after 500 ms, then 1 s, on the clock it is given', async () => {
    const c = connection([refused, refused, null]);
    await settle();
    expect(c.state()).toBe('{"opening":"backingOff"}');
    c.clock.increment(499);
    await settle();
    expect(c.log).toEqual(['handshake']);
    c.clock.increment(1);
    await settle();
    expect(c.log).toEqual(['handshake', 'handshake']);
    c.clock.increment(999);
    await settle();
    expect(c.log).toHaveLength(2);
    c.clock.increment(1);
    await settle();
    expect(c.state()).toBe('"open"');
    expect(c.log).toEqual(['handshake', 'handshake', 'handshake', 'slot released']);
    expect(c.actor.getSnapshot().context.attempt).toBe(0);
  });

  it('gives up after the retries, and at once on a failure that will not pass', async () => {
    const transient = connection([refused, refused, refused]);
    await settle();
    for (const ms of [500, 1_000]) {
      transient.clock.increment(ms);
      await settle();
    }
    expect(transient.actor.getSnapshot().status).toBe('done');
    expect(transient.actor.getSnapshot().output).toEqual({ failure: refused, rewarming: false });
    expect(transient.log.filter((l) => l === 'handshake')).toHaveLength(3);

    const final = connection([authFailed]);
    await settle();
    expect(final.state()).toBe('"unreachable"');
    expect(final.log).toEqual(['handshake', 'slot released']);
  });

  it('closed while it backs off, it stops its commands and closes without another handshake', async () => {
    const c = connection([refused, null]);
    await settle();
    c.actor.send({ type: 'CLOSE', reason: 'node released' });
    await settle();
    c.clock.increment(10_000);
    await settle();
    expect(c.state()).toBe('"closed"');
    expect(c.log).toEqual(['handshake', 'slot released', 'close: node released']);
  });

  it('a kept connection that drops is reopened after 2 s, or at once when a command needs it', async () => {
    const kept = connection([null, null], { kept: true });
    await settle();
    kept.drop();
    expect(kept.state()).toBe('"waitingToReopen"');
    kept.clock.increment(2_000);
    await settle();
    expect(kept.state()).toBe('"open"');
    expect(kept.log.filter((l) => l === 'handshake')).toHaveLength(2);

    const asked = connection([null, null], { kept: true });
    await settle();
    asked.drop();
    asked.actor.send({ type: 'CONNECT' });
    await settle();
    expect(asked.state()).toBe('"open"');

    const notKept = connection([null]);
    await settle();
    notKept.drop();
    expect(notKept.state()).toBe('"closed"');
  });
});
