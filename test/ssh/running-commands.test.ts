import { describe, expect, it } from 'vitest';
import { RunningCommands } from '../../src/ssh/running-commands.js';

/** A task that ends only when its signal fires, reporting the reason. */
const untilStopped = (signal: AbortSignal): Promise<unknown> =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('RunningCommands', () => {
  it('stopAll aborts every command with its reason and resolves once each has ended', async () => {
    const commands = new RunningCommands();
    const ended: string[] = [];
    const a = commands.track(undefined, async (signal) => {
      const reason = await untilStopped(signal);
      await new Promise((r) => setTimeout(r, 20)); // its own stop path takes a while
      ended.push('a');
      return reason;
    });
    const b = commands.track(undefined, untilStopped);
    await commands.stopAll('node released');
    expect(ended).toEqual(['a']);
    expect(await a).toBe('node released');
    expect(await b).toBe('node released');
  });

  it("passes the caller's abort through, and a command tracked after stopAll starts already stopped", async () => {
    const commands = new RunningCommands();
    const caller = new AbortController();
    const running = commands.track(caller.signal, untilStopped);
    caller.abort('caller gave up');
    expect(await running).toBe('caller gave up');
    await commands.stopAll('runner closed');
    let late: AbortSignal | undefined;
    await commands.track(undefined, async (signal) => (late = signal));
    expect(late?.aborted).toBe(true);
    expect(late?.reason).toBe('runner closed');
  });
});
