import { assign, fromPromise, setup } from 'xstate';
import { isPastSwitchPoint, MAX_TIMER_MS, msUntilSwitch, phaseSteps } from './drain.ladder.js';
import type {
  DrainContext,
  DrainEvent,
  DrainInput,
  DrainOutput,
  StepOutline,
  StepRequest,
  VerifyResult,
} from './drain.types.js';

const currentStep = (context: DrainContext): StepOutline => {
  const step = phaseSteps(context, context.phase)[context.stepIndex];
  if (!step) throw new Error(`drain plan has no ${context.phase} step ${context.stepIndex}`);
  return step;
};

const request = ({ context }: { context: DrainContext }): StepRequest => ({
  node: context.node,
  phase: context.purpose === 'prepare' ? 'prepare' : context.phase,
  stepIndex: context.stepIndex,
  step: currentStep(context),
  attempt: context.attempt,
});

/** The current step, if the agent died in it too often (see DrainInput.suspectSteps). */
const suspectOf = (context: DrainContext) => {
  const rung = context.purpose === 'prepare' ? 'prepare' : context.phase;
  return (context.suspectSteps ?? []).find((step) => step.rung === rung && step.stepIndex === context.stepIndex);
};

function detailOf(event: unknown): string {
  const e = event as { error?: unknown; output?: VerifyResult };
  if (e.output) return e.output.detail ?? '';
  return e.error instanceof Error ? e.error.message : String(e.error);
}

const drainSetup = setup({
  types: {
    context: {} as DrainContext,
    input: {} as DrainInput,
    output: {} as DrainOutput,
    events: {} as DrainEvent,
  },
  actors: {
    // Placeholders: src/drain provides the real effects through `drainMachine.provide`.
    runStep: fromPromise<void, StepRequest>(async () => {
      throw new Error('runStep is not provided');
    }),
    verifyStep: fromPromise<VerifyResult, StepRequest>(async () => {
      throw new Error('verifyStep is not provided');
    }),
  },
  delays: {
    verifyInterval: ({ context }) => currentStep(context).verifyIntervalSeconds * 1000,
    // Provided from src with the agent's clock; this default is the system clock.
    untilSwitchPoint: ({ context }) => Math.min(MAX_TIMER_MS, Math.max(0, msUntilSwitch(context, Date.now()))),
  },
  guards: {
    hasNoSteps: ({ context }) => phaseSteps(context, 'graceful').length + phaseSteps(context, 'force').length === 0,
    hasNoGracefulSteps: ({ context }) => phaseSteps(context, 'graceful').length === 0,
    hasForceSteps: ({ context }) => phaseSteps(context, 'force').length > 0,
    canEscalateInTime: ({ context }) => phaseSteps(context, 'force').length > 0 && context.node.deadline !== null,
    pastSwitchPoint: ({ context }) => isPastSwitchPoint(context, Date.now()),
    verifyPassed: (_, result: VerifyResult) => result.passed,
    canRetryVerify: ({ context }) => context.attempt + 1 < currentStep(context).verifyAttempts,
    hasMoreSteps: ({ context }) => context.stepIndex + 1 < phaseSteps(context, context.phase).length,
    resuming: ({ context }) => context.resume === true,
    suspectStep: ({ context }) => suspectOf(context) !== undefined,
    unprobedSuspect: ({ context }) => suspectOf(context)?.probe === false,
  },
  actions: {
    recordDeadline: assign(({ context, event }) => ({ node: { ...context.node, deadline: event.deadline } })),
    escalate: assign((_, params: { because: 'time' | 'failure' }) => ({ escalation: params.because })),
    recordStepFailure: assign(({ context, event }) => ({
      failure: `${currentStep(context).name}: ${detailOf(event)}`,
    })),
    recordCrashedStep: assign(({ context }) => ({
      failure: `${currentStep(context).name}: agent-crashed-during-step (the agent died while it ran; not run again)`,
      crashed: true,
    })),
    recordVerifyFailure: assign(({ context, event }) => {
      const detail = detailOf(event);
      return { failure: `${currentStep(context).name}: verify did not pass${detail ? ` (${detail})` : ''}` };
    }),
  },
});

type StatesConfig = NonNullable<Parameters<typeof drainSetup.createMachine>[0]['states']>;

/**
 * A step sequence: each step's run, then its verify (retried after a pause), then the next step.
 * Both rungs of the ladder use it.
 */
function stepSequence(allVerified: string, failed: string): StatesConfig {
  return {
    starting: {
      always: [
        { guard: 'unprobedSuspect', target: failed, actions: 'recordCrashedStep' },
        { guard: 'resuming', target: 'probing' },
        { target: 'running' },
      ],
    },
    probing: {
      description:
        'Resuming after a restart: a step whose verify already passes is not run again; one the agent died in ' +
        'too often fails.',
      invoke: {
        id: 'probe',
        src: 'verifyStep',
        input: request,
        onDone: [
          { guard: { type: 'verifyPassed', params: ({ event }) => event.output }, target: 'stepVerified' },
          { guard: 'suspectStep', target: failed, actions: 'recordCrashedStep' },
          { target: 'running' },
        ],
        onError: [{ guard: 'suspectStep', target: failed, actions: 'recordCrashedStep' }, { target: 'running' }],
      },
    },
    running: {
      description: 'The step’s run; its exit code is logged, its verify decides.',
      invoke: {
        id: 'run',
        src: 'runStep',
        input: request,
        onDone: { target: 'verifying' },
        onError: { target: failed, actions: 'recordStepFailure' },
      },
    },
    verifying: {
      description: 'The step’s verify: passing proves the step done.',
      invoke: {
        id: 'verify',
        src: 'verifyStep',
        input: request,
        onDone: [
          { guard: { type: 'verifyPassed', params: ({ event }) => event.output }, target: 'stepVerified' },
          { guard: 'canRetryVerify', target: 'waitingToVerify' },
          { target: failed, actions: 'recordVerifyFailure' },
        ],
        onError: { target: failed, actions: 'recordStepFailure' },
      },
    },
    waitingToVerify: {
      description: 'Processes take a moment to exit: verify again after a pause.',
      after: {
        verifyInterval: { target: 'verifying', actions: assign({ attempt: ({ context }) => context.attempt + 1 }) },
      },
    },
    stepVerified: {
      always: [
        {
          guard: 'hasMoreSteps',
          target: 'starting',
          actions: assign({ stepIndex: ({ context }) => context.stepIndex + 1, attempt: 0 }),
        },
        { target: allVerified },
      ],
    },
  };
}

/**
 * Runs a drain plan as a ladder: the graceful steps at once, the force steps when the time left
 * falls under what they need plus a reserve (or when a graceful step fails). The node counts as
 * drained only when every step of the rung that finished was verified.
 */
export const drainMachine = drainSetup.createMachine({
  id: 'drain',
  description: 'The drain plan as a ladder: graceful first, force when time runs short.',
  context: ({ input }) => ({
    ...input,
    phase: 'graceful',
    stepIndex: 0,
    attempt: 0,
    failure: null,
    escalation: null,
    verified: false,
    crashed: false,
  }),
  initial: 'starting',
  output: ({ context }) => ({
    verified: context.verified,
    failure: context.verified ? null : context.failure,
    failedStep:
      context.verified || context.failure === null
        ? null
        : (phaseSteps(context, context.phase)[context.stepIndex]?.name ?? null),
    escalation: context.escalation,
    crashedStep: context.crashed && !context.verified,
  }),
  states: {
    starting: {
      description: 'Chooses the first rung: no time left for graceful steps means force at once.',
      always: [
        { guard: 'hasNoSteps', target: 'failed', actions: assign({ failure: 'the drain plan has no steps' }) },
        { guard: 'hasNoGracefulSteps', target: 'force' },
        { guard: 'pastSwitchPoint', target: 'force', actions: { type: 'escalate', params: { because: 'time' } } },
        { target: 'graceful' },
      ],
    },
    graceful: {
      description: 'Graceful steps run while the switch point is ahead.',
      type: 'parallel',
      states: {
        steps: { initial: 'starting', states: stepSequence('#drain.verified', '#drain.gracefulFailed') },
        switchPoint: {
          initial: 'deciding',
          states: {
            deciding: { always: [{ guard: 'canEscalateInTime', target: 'armed' }, { target: 'none' }] },
            armed: {
              description: 'At the switch point the force steps take over.',
              after: {
                untilSwitchPoint: {
                  target: '#drain.force',
                  actions: { type: 'escalate', params: { because: 'time' } },
                },
              },
              on: { DEADLINE_MOVED: { target: 'armed', reenter: true, actions: 'recordDeadline' } },
            },
            none: { on: { DEADLINE_MOVED: { target: 'deciding', actions: 'recordDeadline' } } },
          },
        },
      },
    },
    gracefulFailed: {
      description: 'A graceful step failed: escalate to the force steps if there are any.',
      always: [
        { guard: 'hasForceSteps', target: 'force', actions: { type: 'escalate', params: { because: 'failure' } } },
        { target: 'failed' },
      ],
    },
    force: {
      description: 'Force steps: the last rung before the deadline.',
      entry: assign({ phase: 'force', stepIndex: 0, attempt: 0 }),
      initial: 'starting',
      states: stepSequence('#drain.verified', '#drain.failed'),
      on: { DEADLINE_MOVED: { actions: 'recordDeadline' } },
    },
    verified: {
      type: 'final',
      description: 'Every step of the finishing rung ran and verified.',
      entry: assign({ verified: true }),
    },
    failed: { type: 'final', description: 'A step could not be run or never verified.' },
  },
});
