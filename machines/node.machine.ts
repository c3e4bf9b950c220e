import { assertEvent, assign, sendTo, setup } from 'xstate';
import { drainMachine } from './drain.machine.js';
import type { DrainOutput } from './drain.types.js';
import { withBooting } from './node.boot.js';
import { initialNodeContext, valueStartsPrepare } from './node.context.js';
import { type Announce, announceWith } from './node.signals.js';
import type {
  ForcedReason,
  NodeContext,
  NodeEvent,
  NodeInput,
  NodeSignal,
  NodeTag,
  RestorableState,
} from './node.types.js';

const forced = (reason: ForcedReason) => ({ type: 'markForced', params: { reason } }) as const;
const announce = (params: Announce) => ({ type: 'announce', params }) as const;

/**
 * One node of the slice: allocated → draining → drained → deleted.
 * Nodes tagged `released` are reported with max_wait_time 0 in the next countdown reply.
 */
export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeInput,
    emitted: {} as NodeSignal,
    tags: {} as NodeTag,
  },
  actors: {
    // Its runStep/verifyStep leaves are provided by src/drain.
    drainPlan: drainMachine,
  },
  delays: {
    // Provided from src with the agent's clock; this default is the system clock.
    untilDeadline: ({ context }) => Math.max(0, (context.deadline ?? Date.now()) - Date.now()),
    bestEffortWindow: ({ context }) => context.bestEffortSeconds * 1000,
  },
  guards: {
    cannotWait: ({ event }) => {
      assertEvent(event, 'DELETE_PENDING');
      return event.maxWaitTime <= 0;
    },
    drainVerified: (_, output: DrainOutput) => output.verified,
    releaseOnFailure: ({ context }) => context.onFailure === 'release' && !context.crashSuspect,
    alreadyReleased: ({ context }) => context.released,
    restoredIn: ({ context }, params: { states: RestorableState[] }) =>
      context.restoredAs !== null && params.states.includes(context.restoredAs),
    valueCallsForPrepare: ({ context, event }) =>
      event.type === 'VALUE_SET' && valueStartsPrepare(context, event.value),
  },
  actions: {
    recordCountdown: assign(({ context, event }) => {
      assertEvent(event, 'DELETE_PENDING');
      const { maxWaitTime, at } = event;
      return {
        revokedAt: context.revokedAt ?? at,
        maxWaitTime,
        deadline: at + maxWaitTime * 1000,
      };
    }),
    recordValue: assign({
      value: ({ context, event }) => (event.type === 'VALUE_SET' ? event.value : context.value),
    }),
    recordDeleted: assign({
      deletedAt: ({ event }) => {
        assertEvent(event, 'DELETE_COMPLETE');
        return event.inferred ? null : event.at;
      },
    }),
    recordWorkLost: assign({ workLost: true }),
    tellDrainTheDeadline: sendTo('drain', ({ context }) => ({
      type: 'DEADLINE_MOVED' as const,
      deadline: context.deadline ?? 0,
    })),
    markForced: assign((_, params: { reason: ForcedReason }) => ({ forcedReason: params.reason })),
    markReleased: assign({ released: true }),
    // Provided from src with the agent's clock; this default is the system clock.
    announce: announceWith(Date.now),
  },
}).createMachine({
  id: 'node',
  description: 'The life of one node of the slice, driven by the cluster’s calls.',
  context: ({ input }) => initialNodeContext(input),
  initial: 'booting',
  on: {
    VALUE_SET: { actions: 'recordValue' },
  },
  states: withBooting({
    allocated: {
      description: 'In the slice, running its jobs; no revocation announced.',
      tags: ['startsDrain'],
      initial: 'idle',
      states: {
        idle: {
          tags: ['restorable', 'idle'],
          on: { VALUE_SET: { guard: 'valueCallsForPrepare', target: 'preparing', actions: 'recordValue' } },
        },
        preparing: {
          description: 'The value crossed prepareAt: the prepare steps run before any revocation.',
          tags: ['restorable', 'runsSteps'],
          invoke: {
            id: 'prepare',
            src: 'drainPlan',
            input: ({ context }) => ({
              node: { nodeId: context.nodeId, clientId: context.clientId, deadline: null },
              purpose: 'prepare' as const,
              plan: context.plan,
              resume: context.restoredAs === 'allocated.preparing',
              suspectSteps: context.suspectSteps,
            }),
            onDone: [
              { guard: { type: 'drainVerified', params: ({ event }) => event.output }, target: 'prepared' },
              { target: 'prepareFailed', actions: assign({ prepareFailure: ({ event }) => event.output.failure }) },
            ],
            onError: {
              target: 'prepareFailed',
              actions: assign({ prepareFailure: ({ event }) => String(event.error) }),
            },
          },
        },
        prepared: { description: 'Prepared: a later drain finds the node almost drained.', tags: ['restorable'] },
        prepareFailed: {
          description: 'The prepare steps failed; the drain will still run in full.',
          tags: ['restorable'],
        },
      },
      on: {
        DELETE_PENDING: [
          { guard: 'cannotWait', target: 'draining.bestEffort', actions: 'recordCountdown' },
          { target: 'draining.countdown', actions: 'recordCountdown' },
        ],
        DELETE_COMPLETE: { target: 'deleted', actions: ['recordDeleted', 'recordWorkLost'] },
      },
    },
    draining: {
      description: 'The drain plan runs on the node over SSH; a later countdown call only moves the deadline.',
      tags: ['drainRunning'],
      entry: announce({ type: 'drainStarted' }),
      invoke: {
        id: 'drain',
        src: 'drainPlan',
        input: ({ context }) => ({
          node: { nodeId: context.nodeId, clientId: context.clientId, deadline: context.deadline },
          purpose: 'drain' as const,
          plan: context.plan,
          resume: context.restoredAs === 'draining.countdown' || context.restoredAs === 'draining.bestEffort',
          suspectSteps: context.suspectSteps,
        }),
        onDone: [
          {
            guard: { type: 'drainVerified', params: ({ event }) => event.output },
            target: 'drained',
            actions: assign({ escalation: ({ event }) => event.output.escalation }),
          },
          {
            target: 'drainFailed',
            actions: assign({
              failure: ({ event }) => event.output.failure,
              escalation: ({ event }) => event.output.escalation,
              crashSuspect: ({ event }) => event.output.crashedStep,
            }),
          },
        ],
        onError: {
          target: 'drainFailed',
          actions: assign({ failure: ({ event }) => `drain crashed: ${String(event.error)}` }),
        },
      },
      initial: 'countdown',
      states: {
        countdown: {
          description: 'Draining before the deadline; at the deadline the drain is cut off.',
          tags: ['restorable', 'runsSteps'],
          after: { untilDeadline: { target: '#node.forced', actions: forced('deadline') } },
          on: {
            DELETE_PENDING: [
              { guard: 'cannotWait', target: 'bestEffort', actions: ['recordCountdown', 'tellDrainTheDeadline'] },
              { target: 'countdown', reenter: true, actions: ['recordCountdown', 'tellDrainTheDeadline'] },
            ],
          },
        },
        bestEffort: {
          description: 'The cluster cannot wait: the node is released now, the drain gets a short window.',
          tags: ['released', 'restorable', 'runsSteps'],
          entry: [announce({ type: 'released', reason: 'no-wait' }), 'markReleased'],
          after: { bestEffortWindow: { target: '#node.forced', actions: forced('no-wait') } },
          on: { DELETE_PENDING: { actions: ['recordCountdown', 'tellDrainTheDeadline'] } },
        },
      },
      on: {
        DELETE_COMPLETE: { target: 'deleted', actions: ['recordDeleted', 'recordWorkLost'] },
      },
    },
    drainFailed: {
      description:
        'The drain could not be verified: release it if the cluster cannot wait or policy says so, else hold it.',
      entry: announce({ type: 'failed' }),
      always: [
        // Released while the cluster could not wait (bestEffort): it stays released.
        { guard: 'alreadyReleased', target: 'forced', actions: forced('no-wait') },
        { guard: 'releaseOnFailure', target: 'forced', actions: forced('drain-failed') },
        { target: 'held' },
      ],
    },
    held: {
      description: 'The drain failed: the node is kept from the cluster until the deadline so an operator can act.',
      tags: ['restorable', 'unverified'],
      after: { untilDeadline: { target: 'forced', actions: forced('deadline') } },
      on: {
        DELETE_PENDING: [
          { guard: 'cannotWait', target: 'forced', actions: ['recordCountdown', forced('no-wait')] },
          { target: 'held', reenter: true, actions: 'recordCountdown' },
        ],
        DELETE_COMPLETE: { target: 'deleted', actions: ['recordDeleted', 'recordWorkLost'] },
      },
    },
    drained: {
      description: 'Jobs stopped and verified: the cluster may take the node now. Later countdowns change nothing.',
      tags: ['released', 'ignoresCountdown', 'restorable', 'rests', 'verified'],
      entry: [announce({ type: 'drained' }), announce({ type: 'released', reason: 'drained' }), 'markReleased'],
      on: {
        DELETE_COMPLETE: { target: 'deleted', actions: 'recordDeleted' },
      },
    },
    forced: {
      description:
        'Given back without a verified drain (deadline passed, cluster could not wait, or policy). Later ' +
        'countdowns change nothing.',
      tags: ['released', 'ignoresCountdown', 'restorable', 'rests', 'unverified'],
      entry: [announce({ type: 'forced' }), announce({ type: 'released' }), 'markReleased'],
      on: {
        DELETE_COMPLETE: { target: 'deleted', actions: ['recordDeleted', 'recordWorkLost'] },
      },
    },
    deleted: {
      description:
        'The cluster removed the node from the slice. Given back later, it is a new incarnation (a new actor).',
      type: 'final',
      tags: ['ignoresCountdown', 'restorable', 'gone'],
      entry: announce({ type: 'workLost' }),
    },
  }),
});
