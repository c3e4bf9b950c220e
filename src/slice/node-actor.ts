import type { Logger } from 'pino';
import { type ActorOptions, type AnyStateMachine, createActor } from 'xstate';
import type { nodeMachine } from '../../machines/node.machine.js';
import type { NodeStateName } from '../../machines/node.states.js';
import type { NodeInput, NodeSignal } from '../../machines/node.types.js';

export type NodeMachine = typeof nodeMachine;
export type NodeActor = ReturnType<typeof createActor<NodeMachine>>;
export type NodeSnapshot = ReturnType<NodeActor['getSnapshot']>;
/** xstate's timer source: the system clock, or a SimulatedClock in tests. */
export type Clock = NonNullable<ActorOptions<NodeMachine>['clock']>;

/** `draining.countdown` style name of a snapshot's state (node.states.ts lists them all). */
export function stateName(value: unknown): NodeStateName {
  if (typeof value === 'string') return value as NodeStateName;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.map(([key, child]) => `${key}.${stateName(child)}`).join(',') as NodeStateName;
}

export interface StateChange {
  nodeId: string;
  from: NodeStateName;
  to: NodeStateName;
  snapshot: NodeSnapshot;
  /** What the chart announced on the way (drained, forced, released, …), in order. */
  signals: NodeSignal[];
}

/** Starts one node's actor, logging every state change through the node's child logger. */
export function startNodeActor(
  machine: NodeMachine | AnyStateMachine,
  input: NodeInput,
  options: {
    /** The snapshot the node rested in (lazy-node.ts): the actor goes on from it, entering no state again. */
    resting?: NodeSnapshot | undefined;
    logger: Logger;
    clock?: Clock;
    onChange?: (change: StateChange) => void;
    /** The deadline moved without a change of state (a later countdown): the journal keeps it too. */
    onRemember?: (snapshot: NodeSnapshot) => void;
  },
): NodeActor {
  // Made on the node's first log line: thousands of idle nodes need no logger of their own.
  let childLogger: Logger | undefined;
  const log = (): Logger => (childLogger ??= options.logger.child({ nodeId: input.nodeId }));
  // An explicit `clock: undefined` would replace xstate's system clock.
  const resting = options.resting && { snapshot: machine.getPersistedSnapshot(options.resting) };
  const actor = createActor(machine as NodeMachine, {
    input,
    ...resting,
    ...(options.clock ? { clock: options.clock } : {}),
  }) as NodeActor;
  let previous = stateName(actor.getSnapshot().value);
  let remembered = actor.getSnapshot().context.deadline;
  // xstate hands emitted events to these listeners just before it tells subscribers of the snapshot
  // the transition led to: they go out with that change.
  let signals: NodeSignal[] = [];
  actor.on('*', (signal) => void signals.push(signal));
  actor.subscribe({
    next: (snapshot) => {
      const announced = signals;
      signals = [];
      const to = stateName(snapshot.value);
      if (to === previous) {
        if (deadlineMoved(remembered, snapshot.context.deadline)) {
          remembered = snapshot.context.deadline;
          options.onRemember?.(snapshot);
        }
        return;
      }
      remembered = snapshot.context.deadline;
      const { failure, forcedReason, workLost, deadline, incarnation } = snapshot.context;
      // Held for an operator, or given back without a verified drain: someone watching warnings must see it.
      const level = snapshot.hasTag('unverified') ? 'warn' : 'info';
      log()[level](
        { from: previous, to, incarnation, failure, forcedReason, workLost, deadline },
        'node state changed',
      );
      options.onChange?.({ nodeId: input.nodeId, from: previous, to, snapshot, signals: announced });
      previous = to;
    },
    // An actor error must never reach xstate's global rethrow (it would end the daemon).
    error: (error) => log().error({ err: error }, 'node actor failed'),
  });
  return actor.start();
}

/**
 * Deadlines the cluster moves by less than this are not journaled again: its countdowns name the
 * same deadline give or take the second its max_wait_time is counted in, and a restart then re-arms
 * a deadline at most this much early.
 */
export const DEADLINE_JOURNAL_MS = 1_000;

function deadlineMoved(remembered: number | null, now: number | null): boolean {
  if (remembered === null || now === null) return remembered !== now;
  return Math.abs(now - remembered) >= DEADLINE_JOURNAL_MS;
}
