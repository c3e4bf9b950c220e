import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe } from 'vitest';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { ClusterModel } from './cluster-model.js';
import { clusterMoves } from './model-commands.js';
import { ModelHarness, totals } from './model-harness.js';
import { type Job, PROCESS_GRACE_SECONDS, ProcessWorld } from './process-world.js';

/** Fewer, shorter sequences than in-process: each step is a Python call to a real agent over real SSH. */
const RUNS = Number(process.env.MODEL_PROCESS_RUNS ?? 6);
const SEED = Number(process.env.MODEL_SEED ?? 20261128);
const PATH = process.env.MODEL_PATH;
const CONFIGURED = [
  ['pc1', 'node1'],
  ['pc2', 'node2'],
] as const;
type Harness = ModelHarness<ProcessWorld>;

class Wait implements fc.AsyncCommand<ClusterModel, Harness> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: ClusterModel, h: Harness) {
    await h.world.advance(this.ms);
    await h.after();
  }
  toString = () => `wait(${this.ms})`;
}

/** What runs on a node changes: its job resists the drain, or ends by itself. */
class JobChanges implements fc.AsyncCommand<ClusterModel, Harness> {
  constructor(
    readonly nodeId: string,
    readonly job: Exclude<Job, 'running'>,
  ) {}
  check = () => true;
  async run(_: ClusterModel, h: Harness) {
    // A job that has ended does not come back in the same life of the node.
    if (this.job === 'ended' || h.world.jobOf(this.nodeId) === 'running') await h.world.setJob(this.nodeId, this.job);
    await h.after();
  }
  toString = () => `job(${this.nodeId}, ${this.job})`;
}

/** A node's sshd stops or starts again. */
class Reachable implements fc.AsyncCommand<ClusterModel, Harness> {
  constructor(
    readonly nodeId: string,
    readonly reachable: boolean,
  ) {}
  check = () => true;
  async run(_: ClusterModel, h: Harness) {
    await h.world.setReachable(this.nodeId, this.reachable);
    await h.after();
  }
  toString = () => `${this.reachable ? 'sshdStarts' : 'sshdStops'}(${this.nodeId})`;
}

const node = fc.constantFrom('pc1', 'pc2');
const processMoves = [
  ...clusterMoves([0, 3, 10, 60]),
  fc.constantFrom(300, 1_500, 2_500).map((ms) => new Wait(ms)),
  fc.tuple(node, fc.constantFrom('stuck' as const, 'ended' as const)).map(([id, job]) => new JobChanges(id, job)),
  fc.tuple(node, fc.boolean()).map(([id, reachable]) => new Reachable(id, reachable)),
];

describe('the built agent as a process, as a stateful property (Python caller, real sshd nodes)', () => {
  let ssh: SshTestNodes;
  const started = Date.now();
  beforeAll(async () => {
    ssh = await startSshNodes(CONFIGURED.length);
  });
  afterAll(async () => {
    await ssh?.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `process campaign: seed ${SEED}, ${totals.sequences} sequences, ${totals.commands} commands, ${totals.checks} invariant checks, ${seconds} s`,
    );
  });

  // Each sequence at least 8 moves long: a short one spends its time starting sshd and the agent.
  test.prop([fc.array(fc.oneof(...processMoves), { minLength: 8, maxLength: 14 })], {
    numRuns: RUNS,
    seed: SEED,
    endOnFailure: true,
    ...(PATH === undefined ? {} : { path: PATH }),
  })(
    'every sequence keeps every invariant, through HTTP, the journal on disk, kill -9 and real SSH',
    async (commands) => {
      const world = await ProcessWorld.start(ssh, CONFIGURED);
      const harness = new ModelHarness(
        world,
        new ClusterModel({
          configured: CONFIGURED,
          graceSeconds: PROCESS_GRACE_SECONDS,
          adoptUnknown: false,
          clockSlackMs: 1_500,
        }),
      );
      try {
        await fc.asyncModelRun(() => ({ model: harness.model, real: harness }), commands);
      } finally {
        await harness.close();
      }
    },
    900_000,
  );
});
