import { z } from 'zod';
import { shellQuote } from '../../ssh/shell-quote.js';
import { defineDrainAction, type ExitMeaning, mustReach, passesOnExit } from '../sdk.js';
import { countWithSample, outputLines } from '../verify-status.js';

const options = z.strictObject({
  /** Only containers with this label (`key` or `key=value`). */
  label: z.string().min(1).optional(),
  /** Seconds `docker stop` waits before it kills a container. */
  stopTimeoutSeconds: z.number().int().nonnegative().default(10),
});

const running = (o: z.output<typeof options>) =>
  `docker ps -q${o.label ? ` --filter ${shellQuote(`label=${o.label}`)}` : ''}`;

/** `docker ps -q` lists one container id a line and exits 0; only an empty list means none is left. */
const PS: ExitMeaning = {
  tool: 'docker',
  pass: [0],
  stderr: [
    [/Cannot connect to the Docker daemon|error during connect/, 'daemon-unreachable'],
    [/permission denied while trying to connect to the Docker daemon/, 'permission-denied'],
  ],
  whenPassed: (r) => {
    const ids = outputLines(r.stdout);
    return ids.length > 0
      ? { reason: 'still-running', text: `containers running: ${countWithSample(ids)}` }
      : undefined;
  },
};

/** Stops running containers (optionally by label); verified when none is left running. */
export const dockerAction = defineDrainAction({
  name: 'docker',
  options,
  estimateSeconds: (o) => o.stopTimeoutSeconds + 5,
  async run(ctx) {
    const o = ctx.options;
    mustReach(
      await ctx.ssh.run(`ids=$(${running(o)}) && { [ -z "$ids" ] || docker stop -t ${o.stopTimeoutSeconds} $ids; }`),
    );
  },
  async verify(ctx) {
    return passesOnExit(await ctx.ssh.run(running(ctx.options)), PS);
  },
});
