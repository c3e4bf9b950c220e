import { isPastSwitchPoint, MAX_TIMER_MS, msUntilSwitch } from '../../machines/drain.ladder.js';
import { drainMachine } from '../../machines/drain.machine.js';
import { nodeMachine } from '../../machines/node.machine.js';
import { announceWith } from '../../machines/node.signals.js';
import type { NodeMachine } from './node-actor.js';

type DrainLeaves = Parameters<typeof drainMachine.provide>[0]['actors'];

const timer = (ms: number) => Math.min(MAX_TIMER_MS, Math.max(0, ms));

/** The drain ladder with its effects (the step leaves) and its switch point read from the agent's clock. */
export function provideDrainMachine(leaves: DrainLeaves, now: () => number): typeof drainMachine {
  return drainMachine.provide({
    actors: leaves,
    delays: { untilSwitchPoint: ({ context }) => timer(msUntilSwitch(context, now())) },
    guards: { pastSwitchPoint: ({ context }) => isPastSwitchPoint(context, now()) },
  });
}

/** The node machine with its effects: drain leaves from src/drain, every time read from the agent's clock. */
export function provideNodeMachine(leaves: DrainLeaves, now: () => number): NodeMachine {
  return nodeMachine.provide({
    actors: { drainPlan: provideDrainMachine(leaves, now) },
    actions: { announce: announceWith(now) },
    delays: {
      untilDeadline: ({ context }) => timer((context.deadline ?? now()) - now()),
    },
  });
}
