import { z } from 'zod';
import { type DrainActionContext, defineDrainAction, type ExitMeaning, mustReach, passesOnExit } from '../sdk.js';
import { countWithSample, outputLines } from '../verify-status.js';
import { controllerOption, schedulerNodeName } from './scheduler-node.js';

const options = z.strictObject({
  reason: z.string().min(1).default('reclaimed by cluster'),
  /**
   * The node's name in Slurm; `{client_id}`, `{node_id}` and `{host}` are replaced. Default: the
   * node's short hostname when run on the node, `{client_id}` when run on a controller.
   */
  nodeName: z.string().min(1).optional(),
  /** Run scontrol/squeue there instead of on the node. */
  controller: controllerOption,
  /** wait: let jobs finish; requeue or cancel: the force variants. */
  jobs: z.enum(['wait', 'requeue', 'cancel']).default('wait'),
});
type Options = z.output<typeof options>;

// Values travel in the environment; an empty node name means "this host".
const NODE = 'N="${DYNSLICE_SLURM_NODE:-$(hostname -s)}"';
const JOBS = {
  wait: '',
  requeue: ' && squeue -h -w "$N" -o %A | xargs -r -n1 scontrol requeue',
  cancel: ' && scancel -w "$N"',
};

function run(ctx: DrainActionContext<Options>, command: string) {
  return ctx.ssh.run(`${NODE}; ${command}`, {
    on: ctx.options.controller,
    env: { DYNSLICE_SLURM_NODE: schedulerNodeName(ctx, '{client_id}'), DYNSLICE_SLURM_REASON: ctx.options.reason },
  });
}

/**
 * `squeue -h -w NODE` prints one row a job (job id first) and exits 0. It asks the controller for its
 * nodes first: `slurm_load_node error: Unable to contact slurm controller …` or
 * `squeue: error: Invalid node name NODE`, both exit 1 (src/squeue/opts.c, _filter_nodes).
 */
const SQUEUE = (ctx: DrainActionContext<Options>): ExitMeaning => ({
  tool: 'squeue',
  where: ctx.options.controller?.host,
  pass: [0],
  stderr: [
    [/Unable to contact slurm controller/, 'controller-unreachable'],
    [/Invalid node name|invalid entry for --nodelist/, 'unknown-node'],
    [/slurm_load_\w+ error/, 'controller-error'],
  ],
  whenPassed: (r) => {
    const jobs = outputLines(r.stdout).map((row) => row.split(/\s+/)[0]!);
    return jobs.length > 0
      ? { reason: 'still-running', text: `jobs on the node: ${countWithSample(jobs)}` }
      : undefined;
  },
});

/** Marks the node DRAIN, optionally requeues or cancels its jobs; verified when no job runs there. */
export const slurmAction = defineDrainAction({
  name: 'slurm',
  options,
  estimateSeconds: (o) => (o.jobs === 'wait' ? 300 : 15),
  async run(ctx) {
    mustReach(
      await run(
        ctx,
        `scontrol update nodename="$N" state=DRAIN reason="$DYNSLICE_SLURM_REASON"${JOBS[ctx.options.jobs]}`,
      ),
    );
  },
  async verify(ctx) {
    return passesOnExit(await run(ctx, 'squeue -h -w "$N"'), SQUEUE(ctx));
  },
});
