// A drain action plugin: checkpoint a job's state to shared storage, then stop the job.
// Load it with `plugins: [./checkpoint-action.ts]` and use it as `{ action: checkpoint, ... }`.
// Copy it anywhere, e.g. /etc/dynslice-agent/plugins/: 'dynslice-agent' is the agent that loads it,
// nothing needs installing there. Keep it an ES module: beside a package.json that says
// {"type": "module"}, or renamed checkpoint-action.mts.
import { defineDrainAction, mustReach, passesOnExit, z } from 'dynslice-agent';

export const checkpoint = defineDrainAction({
  name: 'checkpoint',
  options: z.strictObject({
    /** Command line of the job (matched with pgrep -f). */
    job: z.string().min(1),
    /** The job writes its state here; it must survive the node (shared storage). */
    stateFile: z.string().min(1),
    /** Where checkpoints go: one file per node. */
    sharedDir: z.string().min(1),
  }),
  estimateSeconds: 15,
  async run(ctx) {
    const { job, stateFile, sharedDir } = ctx.options;
    ctx.logger.info({ sharedDir }, 'checkpointing job state');
    // Stop the job first so the state file no longer changes, then copy it atomically.
    const result = await ctx.ssh.run(
      'pkill -STOP -f -- "$JOB" ; mkdir -p -- "$SHARED" && cp -- "$STATE" "$SHARED/.$DYNSLICE_NODE_ID.tmp" ' +
        '&& mv -- "$SHARED/.$DYNSLICE_NODE_ID.tmp" "$SHARED/$DYNSLICE_NODE_ID.ckpt" ; rc=$? ; ' +
        'pkill -KILL -f -- "$JOB" ; exit $rc',
      { env: { JOB: job, STATE: stateFile, SHARED: sharedDir } },
    );
    mustReach(result);
  },
  async verify(ctx) {
    // Verified: the checkpoint matches the job's last state and the job is gone. Only pgrep's 1
    // means "no process matched"; `! pgrep` would also pass when pgrep itself fails (status 2, 127).
    const { job, stateFile, sharedDir } = ctx.options;
    const result = await ctx.ssh.run(
      'cmp -s -- "$STATE" "$SHARED/$DYNSLICE_NODE_ID.ckpt" || exit 10; pgrep -f -- "$JOB"',
      {
        env: { JOB: job, STATE: stateFile, SHARED: sharedDir },
      },
    );
    return passesOnExit(result, {
      tool: 'pgrep',
      pass: [1],
      meaning: {
        0: (r) => ({ reason: 'still-running', text: `job processes left: ${r.stdout.trim().split('\n').join(', ')}` }),
        10: () => ({ reason: 'checkpoint-differs', text: 'the checkpoint is missing or differs from the job state' }),
      },
    });
  },
});
