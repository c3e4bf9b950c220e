import { z } from 'zod';
import { defineDrainAction, passesWhenZero } from '../sdk.js';

const options = z.strictObject({
  /** Exits 0 once the node is idle. */
  check: z.string().min(1),
  intervalSeconds: z.number().positive().default(5),
});

/**
 * Waits until a predicate holds: nothing to run, verify polls the check. The pauses between polls
 * are a state of the drain machine, so the agent's clock (or a simulated one) drives them.
 */
export const waitIdleAction = defineDrainAction({
  name: 'wait-idle',
  options,
  estimateSeconds: (o) => o.intervalSeconds,
  // Poll for the whole step timeout.
  timings: (o, step) => ({
    verifyIntervalSeconds: o.intervalSeconds,
    verifyAttempts: Math.max(1, Math.ceil(step.timeoutSeconds / o.intervalSeconds)),
  }),
  async run() {},
  async verify(ctx) {
    return passesWhenZero(await ctx.ssh.run(ctx.options.check));
  },
});
