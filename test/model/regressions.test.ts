import { describe, it } from 'vitest';
import type { FailurePolicy } from '../../machines/node.types.js';
import { AgentWorld } from './agent-world.js';
import { Countdown } from './model-commands.js';
import { entryFor, ModelHarness } from './model-harness.js';

type Move = Countdown;

/** Replays a sequence the model campaign shrank, with every invariant checked after each move. */
async function replay(onFailure: FailurePolicy, moves: Move[]): Promise<void> {
  const harness = new ModelHarness(await AgentWorld.start(onFailure));
  try {
    for (const move of moves) if (move.check(harness.model)) await move.run(harness.model, harness);
  } finally {
    await harness.close();
  }
}

const countdown = (...entries: Array<[string, number]>) => new Countdown(entries.map(([id, wait]) => entryFor(id, { max_wait_time: wait })));

/** Sequences the model campaign found, kept as they shrank (seed and path in each name). */
describe('model campaign regressions', () => {
  it('a node named twice in one countdown, its drain start deferred, then with max_wait_time 0, is released for both entries (seed 7, path 74:1:5:8:12:12:11)', async () => {
    await replay('hold', [countdown(['ux1', 600], ['pc4', 30], ['pc1', 600], ['pc1', 0])]);
  });
});
