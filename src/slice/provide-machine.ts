import { drainMachine } from '../../machines/drain.machine.js';
import { nodeMachine } from '../../machines/node.machine.js';
import type { NodeMachine } from './node-actor.js';

type DrainLeaves = Parameters<typeof drainMachine.provide>[0]['actors'];

/** The node machine with its effects: drain leaves from src/drain and deadlines on the agent's clock. */
export function provideNodeMachine(leaves: DrainLeaves, now: () => number): NodeMachine {
  return nodeMachine.provide({
    actors: { drainPlan: drainMachine.provide({ actors: leaves }) },
    delays: {
      untilDeadline: ({ context }) => Math.max(0, (context.deadline ?? now()) - now()),
    },
  });
}
