import { fc, test } from '@fast-check/vitest';
import { afterAll, describe } from 'vitest';
import { AgentWorld } from './agent-world.js';
import { ClusterModel } from './cluster-model.js';
import { manifestMoves, moves } from './model-commands.js';
import { ModelHarness, totals } from './model-harness.js';

/** A budget that fits CI on 2 cores; MODEL_RUNS / MODEL_SEED widen or change it, MODEL_PATH and MODEL_REPLAY replay a failure. */
const RUNS = Number(process.env.MODEL_RUNS ?? 300);
/** Sequences in the manifest world (the node list read with geni-get); MODEL_MANIFEST_RUNS widens it. */
const MANIFEST_RUNS = Number(process.env.MODEL_MANIFEST_RUNS ?? 300);
const SEED = Number(process.env.MODEL_SEED ?? 20261128);
const PATH = process.env.MODEL_PATH;
/** The `replayPath` a failure prints in its counterexample: with MODEL_PATH, replays the shrunk sequence at once. */
const REPLAY = process.env.MODEL_REPLAY;
const started = Date.now();

describe('the agent as a stateful property (in-process: real Slice, machines, journal and codec)', () => {
  afterAll(() => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `model campaign: seed ${SEED}, ${totals.sequences} sequences, ${totals.commands} commands, ${totals.checks} invariant checks, ${seconds} s`,
    );
  });

  test.prop(
    [
      fc.constantFrom('hold' as const, 'release' as const),
      fc.constantFrom(5_000, 25),
      fc.commands(moves(), { maxCommands: 40, size: 'max', ...(REPLAY === undefined ? {} : { replayPath: REPLAY }) }),
    ],
    {
      numRuns: RUNS,
      seed: SEED,
      ...(PATH === undefined ? {} : { path: PATH }),
    },
  )(
    'every sequence of calls, SSH outcomes, clock moves, disk faults and restarts keeps every invariant',
    async (onFailure, compactEvery, commands) => {
      const harness = new ModelHarness(await AgentWorld.start(onFailure, compactEvery));
      try {
        await fc.asyncModelRun(() => ({ model: harness.model, real: harness }), commands);
      } finally {
        await harness.close();
      }
    },
    1_200_000,
  );

  test.prop(
    [
      fc.constantFrom('hold' as const, 'release' as const),
      fc.constantFrom(5_000, 25),
      fc.commands(manifestMoves(), {
        maxCommands: 40,
        size: 'max',
        ...(REPLAY === undefined ? {} : { replayPath: REPLAY }),
      }),
    ],
    { numRuns: MANIFEST_RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
  )(
    'with a manifest: nodes that leave it and come back, reads that fail and recover, lost deletions and restarts keep every invariant',
    async (onFailure, compactEvery, commands) => {
      const world = await AgentWorld.start(onFailure, compactEvery, true);
      const manifest = world.manifest!;
      const model = new ClusterModel({
        manifest: {
          reads: () => manifest.reads,
          readWithout: (nodeId, since) => manifest.readWithout(nodeId, since),
        },
      });
      const harness = new ModelHarness(world, model);
      try {
        await fc.asyncModelRun(() => ({ model: harness.model, real: harness }), commands);
      } finally {
        await harness.close();
      }
    },
    1_200_000,
  );
});
