import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { type ConnectFailure, sshConnectionMachine } from '../../machines/ssh-connection.machine.js';
import { flush } from '../helpers/settle.js';

const refused: ConnectFailure = { reason: 'refused', detail: 'refused: connect ECONNREFUSED' };
const authFailed: ConnectFailure = {
  reason: 'auth-failed',
  detail: 'auth-failed: All configured authentication methods failed',
};

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
    actions: { releaseSlot: () => void log.push('slot released') },
  });
  const actor = createActor(machine, {
    input: { nodeId: 'pc1', retries: 2, backoffMs: 500, rewarmMs: 2_000, keptOpen: options.kept === true },
    clock,
  }).start();
  const state = () => JSON.stringify(actor.getSnapshot().value);
  return { actor, clock, log, state, drop: () => drop?.() };
}

describe('the SSH connection chart', () => {
  it('retries a failure that may pass after 500 ms, then 1 s, on the clock it is given', async () => {
    const c = connection([refused, refused, null]);
    await flush();
    expect(c.state()).toBe('{"opening":"backingOff"}');
    c.clock.increment(499);
    await flush();
    expect(c.log).toEqual(['handshake']);
    c.clock.increment(1);
    await flush();
    expect(c.log).toEqual(['handshake', 'handshake']);
    c.clock.increment(999);
    await flush();
    expect(c.log).toHaveLength(2);
    c.clock.increment(1);
    await flush();
    expect(c.state()).toBe('"open"');
    expect(c.log).toEqual(['handshake', 'handshake', 'handshake', 'slot released']);
    expect(c.actor.getSnapshot().context.attempt).toBe(0);
  });

  it('gives up after the retries, and at once on a failure that will not pass', async () => {
    const transient = connection([refused, refused, refused]);
    await flush();
    for (const ms of [500, 1_000]) {
      transient.clock.increment(ms);
      await flush();
    }
    expect(transient.actor.getSnapshot().status).toBe('done');
    expect(transient.actor.getSnapshot().output).toEqual({ failure: refused, rewarming: false, keptOpen: false });
    expect(transient.log.filter((l) => l === 'handshake')).toHaveLength(3);

    const final = connection([authFailed]);
    await flush();
    expect(final.state()).toBe('"unreachable"');
    expect(final.log).toEqual(['handshake', 'slot released']);
  });

  it('closed while it backs off, it stops its commands and closes without another handshake', async () => {
    const c = connection([refused, null]);
    await flush();
    c.actor.send({ type: 'CLOSE', reason: 'node released' });
    await flush();
    c.clock.increment(10_000);
    await flush();
    expect(c.state()).toBe('"closed"');
    expect(c.log).toEqual(['handshake', 'slot released', 'close: node released']);
  });

  it('a kept connection that drops is reopened after 2 s, or at once when a command needs it', async () => {
    const kept = connection([null, null], { kept: true });
    await flush();
    kept.drop();
    expect(kept.state()).toBe('"waitingToReopen"');
    kept.clock.increment(2_000);
    await flush();
    expect(kept.state()).toBe('"open"');
    expect(kept.log.filter((l) => l === 'handshake')).toHaveLength(2);

    const asked = connection([null, null], { kept: true });
    await flush();
    asked.drop();
    asked.actor.send({ type: 'CONNECT' });
    await flush();
    expect(asked.state()).toBe('"open"');

    const notKept = connection([null]);
    await flush();
    notKept.drop();
    expect(notKept.state()).toBe('"closed"');
  });

  it('holds whether it is kept open: KEEP_OPEN and STOP_KEEPING decide what a drop does; CLOSE keeps it no more', async () => {
    const c = connection([null]);
    await flush();
    c.actor.send({ type: 'KEEP_OPEN' });
    c.actor.send({ type: 'STOP_KEEPING' });
    c.drop();
    expect(c.state()).toBe('"closed"');
    expect(c.actor.getSnapshot().output).toMatchObject({ keptOpen: false });

    const k = connection([null, null]);
    await flush();
    k.actor.send({ type: 'KEEP_OPEN' });
    k.drop();
    expect(k.state()).toBe('"waitingToReopen"');
    k.actor.send({ type: 'CLOSE', reason: 'node released' });
    await flush();
    expect(k.log).toContain('close: node released');
    expect(k.actor.getSnapshot().output).toMatchObject({ keptOpen: false, failure: null });
  });

  it('a kept connection that cannot be reopened is kept no more; one whose first open failed still is', async () => {
    const reopened = connection([null, authFailed], { kept: true });
    await flush();
    reopened.drop();
    reopened.clock.increment(2_000);
    await flush();
    expect(reopened.state()).toBe('"unreachable"');
    expect(reopened.actor.getSnapshot().output).toEqual({ failure: authFailed, rewarming: true, keptOpen: false });

    const first = connection([authFailed], { kept: true });
    await flush();
    expect(first.actor.getSnapshot().output).toEqual({ failure: authFailed, rewarming: false, keptOpen: true });
  });
});
