import { describe, it } from 'vitest';
import type { FailurePolicy } from '../../machines/node.types.js';
import { AgentWorld } from './agent-world.js';
import { ClusterModel } from './cluster-model.js';
import {
  Advance,
  Behave,
  Countdown,
  DeleteComplete,
  DiskFails,
  LateRetry,
  ReAdd,
  Relist,
  Reload,
  Restart,
  SetValues,
  Together,
  Unlist,
} from './model-commands.js';
import { entryFor, ModelHarness } from './model-harness.js';

type Move = {
  check(model: ClusterModel): boolean;
  run(model: ClusterModel, harness: ModelHarness<AgentWorld>): Promise<void>;
};

/** Replays a sequence the model campaign shrank, with every invariant checked after each move. */
async function replay(onFailure: FailurePolicy, moves: Move[], compactEvery?: number): Promise<void> {
  const harness = new ModelHarness(await AgentWorld.start(onFailure, compactEvery));
  try {
    for (const move of moves) if (move.check(harness.model)) await move.run(harness.model, harness);
  } finally {
    await harness.close();
  }
}

const countdown = (...entries: Array<[string, number]>) =>
  new Countdown(entries.map(([id, wait]) => entryFor(id, { max_wait_time: wait })));

/** Sequences the model campaign found, kept as they shrank (seed and path in each name). */
describe('model campaign regressions', () => {
  it('a check that exits 2 never verifies a drain (seed 20261128, path 53:5:5:4:3:6:1:2:3)', async () => {
    await replay('hold', [new Behave('pc1', 'exit2'), countdown(['pc1', 600])]);
  });

  it('a node deleted and given back is a new incarnation (seed 20261128, path 0:0:4:4:1)', async () => {
    await replay('hold', [new DeleteComplete([entryFor('pc1', { max_wait_time: 0 })]), new ReAdd(0)]);
  });

  it('a node released while the cluster could not wait stays released when a later entry moves its deadline and the drain fails (seed 20261128, path 33:2:1:5:4:4)', async () => {
    await replay('hold', [new Behave('pc1', 'exit127'), countdown(['pc1', 0], ['pc1', 5])]);
  });

  it('a node deleted and given back while the journal cannot write is not restored drained in its new life (seed 20261128, path 25:0:0:5:7:24:25:27:25:24:24:23:23:23:23:25:23:23:23:23:23:24:25:25:25:19:19)', async () => {
    const diskFails = () => new DiskFails('write', 'ENOSPC', false);
    await replay(
      'hold',
      [
        new SetValues([entryFor('pc1', { value: 0 }), { node_id: 'pc1', value: 0 }]),
        countdown(['pc1', 0]),
        diskFails(),
        new DeleteComplete([entryFor('pc1', { max_wait_time: 0 })]),
        diskFails(),
        new ReAdd(0),
        diskFails(),
        new Restart('crash'),
      ],
      5_000,
    );
  });

  it('a node named twice in one countdown, its drain start deferred, then with max_wait_time 0, is released for both entries (seed 7, path 74:1:5:8:12:12:11)', async () => {
    await replay('hold', [countdown(['ux1', 600], ['pc4', 30], ['pc1', 600], ['pc1', 0])]);
  });
});

/** Replays a sequence of the manifest world (the node list read with geni-get), every invariant checked after each move. */
async function replayManifest(onFailure: FailurePolicy, moves: Move[]): Promise<void> {
  const world = await AgentWorld.start(onFailure, 5_000, true);
  const manifest = world.manifest!;
  const model = new ClusterModel({
    manifest: { reads: () => manifest.reads, readWithout: (id, since) => manifest.readWithout(id, since) },
  });
  const harness = new ModelHarness(world, model);
  try {
    for (const move of moves) if (move.check(harness.model)) await move.run(harness.model, harness);
  } finally {
    await harness.close();
  }
}

describe('model campaign regressions, with a manifest', () => {
  it('a node taken as deleted at a restart, then deleted by the cluster, answers its late repeats released (seed 11)', async () => {
    const pc1 = (wait: number) => entryFor('pc1', { max_wait_time: wait });
    await replayManifest('hold', [
      new Unlist('pc1'),
      countdown(['pc1', 0]),
      new Restart('crash'),
      new DeleteComplete([pc1(0)]),
      new Advance(61_000),
      new DeleteComplete([pc1(0)]),
      new Together([
        { method: 'NotifyDeletePending', entries: [pc1(0)] },
        { method: 'NotifyDeletePending', entries: [pc1(120)] },
      ]),
      new LateRetry(0, 61_000),
    ]);
  });
});

describe('model campaign regressions, with a manifest: a lost deletion', () => {
  it('a node taken as deleted, named by a countdown as the cluster deletes it, answers that life (seed 20261128)', async () => {
    await replayManifest('hold', [
      countdown(['pc1', 0]),
      new Unlist('pc1'),
      new Reload(),
      new Together([
        { method: 'NotifyDeletePending', entries: [entryFor('pc1', { max_wait_time: 120 })] },
        { method: 'NotifyDeleteComplete', entries: [entryFor('pc1', { max_wait_time: 0 })] },
      ]),
    ]);
  });
});

describe('model campaign regressions, with a manifest: incarnations', () => {
  it('an unknown node deleted, then listed, comes back as a later incarnation, never an earlier one (seed 20261128)', async () => {
    await replayManifest('hold', [
      new Unlist('pc1'),
      countdown(['pc1', 0]),
      new Restart('crash'),
      new DeleteComplete([entryFor('pc1', { max_wait_time: 0 })]),
      new Advance(125_000),
      new Relist('pc1'),
      new LateRetry(0, 0),
    ]);
  });
});
