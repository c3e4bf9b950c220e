import { z } from 'zod';
import { defineDrainAction, mustReach, passesWhenZero } from '../sdk.js';

/** Arbitrary shell: `run` acts, `verify` proves it (exit 0). */
export const commandAction = defineDrainAction({
  name: 'command',
  options: z.strictObject({ run: z.string().min(1), verify: z.string().min(1) }),
  estimateSeconds: 10,
  async run(ctx) {
    mustReach(await ctx.ssh.run(ctx.options.run));
  },
  async verify(ctx) {
    return passesWhenZero(await ctx.ssh.run(ctx.options.verify));
  },
});
