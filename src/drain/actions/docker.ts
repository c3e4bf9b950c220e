import { z } from 'zod';
import { shellQuote } from '../../ssh/shell-quote.js';
import { defineDrainAction, mustReach, passesWhenZero } from '../sdk.js';

const options = z.strictObject({
  /** Only containers with this label (`key` or `key=value`). */
  label: z.string().min(1).optional(),
  /** Seconds `docker stop` waits before it kills a container. */
  stopTimeoutSeconds: z.number().int().nonnegative().default(10),
});

const running = (o: z.output<typeof options>) => `docker ps -q${o.label ? ` --filter ${shellQuote(`label=${o.label}`)}` : ''}`;

/** Stops running containers (optionally by label); verified when none is left running. */
export const dockerAction = defineDrainAction({
  name: 'docker',
  options,
  estimateSeconds: (o) => o.stopTimeoutSeconds + 5,
  async run(ctx) {
    const o = ctx.options;
    mustReach(await ctx.ssh.run(`ids=$(${running(o)}) && { [ -z "$ids" ] || docker stop -t ${o.stopTimeoutSeconds} $ids; }`));
  },
  async verify(ctx) {
    return passesWhenZero(await ctx.ssh.run(`ids=$(${running(ctx.options)}) && [ -z "$ids" ]`));
  },
});
