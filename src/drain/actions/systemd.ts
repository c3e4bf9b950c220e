import { z } from 'zod';
import { shellQuote } from '../../ssh/shell-quote.js';
import { defineDrainAction, mustReach, passesWhenZero } from '../sdk.js';

const unitName = z.string().regex(/^[A-Za-z0-9@._:\\-]+$/, 'expected a systemd unit name');

/** Stops systemd units; verified when none of them is active. */
export const systemdAction = defineDrainAction({
  name: 'systemd',
  options: z.strictObject({ units: z.array(unitName).min(1) }),
  estimateSeconds: 30,
  async run(ctx) {
    mustReach(await ctx.ssh.run(`systemctl stop -- ${ctx.options.units.map(shellQuote).join(' ')}`));
  },
  async verify(ctx) {
    // is-active exits 0 when at least one of the units is active.
    return passesWhenZero(await ctx.ssh.run(`! systemctl is-active --quiet -- ${ctx.options.units.map(shellQuote).join(' ')}`));
  },
});
