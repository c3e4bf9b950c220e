import { assign, fromPromise, setup } from 'xstate';
import type {
  DrainContext,
  DrainInput,
  DrainOutput,
  StepOutline,
  StepRequest,
  VerifyResult,
} from './drain.types.js';

const currentStep = (context: DrainContext): StepOutline => {
  const step = context.steps[context.stepIndex];
  if (!step) throw new Error(`drain plan has no step ${context.stepIndex}`);
  return step;
};

const request = ({ context }: { context: DrainContext }): StepRequest => ({
  node: context.node,
  stepIndex: context.stepIndex,
  step: currentStep(context),
  attempt: context.attempt,
});

const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Runs a drain plan: every step's `run`, then its `verify`, retried a bounded number of times.
 * Reaches `verified` only when every step's verification passed.
 */
export const drainMachine = setup({
  types: {
    context: {} as DrainContext,
    input: {} as DrainInput,
    output: {} as DrainOutput,
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
  },
  guards: {
    hasSteps: ({ context }) => context.steps.length > 0,
    verifyPassed: (_, result: VerifyResult) => result.passed,
    canRetryVerify: ({ context }) => context.attempt + 1 < currentStep(context).verifyAttempts,
    hasMoreSteps: ({ context }) => context.stepIndex + 1 < context.steps.length,
  },
}).createMachine({
  id: 'drain',
  description: 'Runs each step of the drain plan and proves it with the step’s verify.',
  context: ({ input }) => ({ ...input, stepIndex: 0, attempt: 0, failure: null }),
  initial: 'starting',
  output: ({ context }) => ({
    verified: context.failure === null,
    failure: context.failure,
    failedStep: context.failure === null ? null : (context.steps[context.stepIndex]?.name ?? null),
  }),
  states: {
    starting: {
      description: 'A plan with no steps cannot prove anything: it fails.',
      always: [
        { guard: 'hasSteps', target: 'running' },
        { target: 'failed', actions: assign({ failure: 'the drain plan has no steps' }) },
      ],
    },
    running: {
      description: 'The step’s run command; its exit code is logged, its verify decides.',
      invoke: {
        id: 'run',
        src: 'runStep',
        input: request,
        onDone: { target: 'verifying' },
        onError: {
          target: 'failed',
          actions: assign({
            failure: ({ context, event }) => `${currentStep(context).name}: ${describeError(event.error)}`,
          }),
        },
      },
    },
    verifying: {
      description: 'The step’s verify command: exit 0 proves the step done.',
      invoke: {
        id: 'verify',
        src: 'verifyStep',
        input: request,
        onDone: [
          { guard: { type: 'verifyPassed', params: ({ event }) => event.output }, target: 'stepVerified' },
          { guard: 'canRetryVerify', target: 'waitingToVerify' },
          {
            target: 'failed',
            actions: assign({
              failure: ({ context, event }) =>
                `${currentStep(context).name}: verify did not pass${event.output.detail ? ` (${event.output.detail})` : ''}`,
            }),
          },
        ],
        onError: {
          target: 'failed',
          actions: assign({
            failure: ({ context, event }) => `${currentStep(context).name}: ${describeError(event.error)}`,
          }),
        },
      },
    },
    waitingToVerify: {
      description: 'Processes take a moment to exit: verify again after a pause.',
      after: {
        verifyInterval: {
          target: 'verifying',
          actions: assign({ attempt: ({ context }) => context.attempt + 1 }),
        },
      },
    },
    stepVerified: {
      always: [
        {
          guard: 'hasMoreSteps',
          target: 'running',
          actions: assign({ stepIndex: ({ context }) => context.stepIndex + 1, attempt: 0 }),
        },
        { target: 'verified' },
      ],
    },
    verified: { type: 'final', description: 'Every step ran and its verify passed.' },
    failed: { type: 'final', description: 'A step could not be run or never verified.' },
  },
});
