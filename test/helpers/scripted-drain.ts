import { fromPromise, SimulatedClock } from 'xstate';
import type { PlanOutline, StepRequest, VerifyResult } from '../../machines/drain.types.js';
import type { NodeInput } from '../../machines/node.types.js';
import { startNodeActor } from '../../src/slice/node-actor.js';
import { provideNodeMachine } from '../../src/slice/provide-machine.js';
import { captureLogger } from './capture-logger.js';

export interface Call {
  kind: 'run' | 'verify';
  request: StepRequest;
  signal: AbortSignal;
}

type Answer = 'ok' | 'fail' | 'hang' | 'crash';

/** Drain leaves that record calls and answer from a script; `hang` settles only on abort. */
export function scriptedDrain(script: { run?: (r: StepRequest) => Answer; verify?: (r: StepRequest) => Answer }) {
  const calls: Call[] = [];
  const answer = (kind: Call['kind'], request: StepRequest, signal: AbortSignal): Promise<Answer> => {
    calls.push({ kind, request, signal });
    const a = (kind === 'run' ? script.run : script.verify)?.(request) ?? 'ok';
    if (a !== 'hang') return Promise.resolve(a);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  const leaves = {
    runStep: fromPromise<void, StepRequest>(async ({ input, signal }) => {
      if ((await answer('run', input, signal)) === 'crash') throw new Error('node unreachable');
    }),
    verifyStep: fromPromise<VerifyResult, StepRequest>(async ({ input, signal }) => {
      const a = await answer('verify', input, signal);
      if (a === 'crash') throw new Error('node unreachable');
      return { passed: a === 'ok', detail: a === 'ok' ? undefined : 'exit 1' };
    }),
  };
  return { calls, leaves };
}

export { flush, settle } from './settle.js';

export const STEP = {
  name: 'stop-jobs',
  estimateSeconds: 5,
  timeoutSeconds: 30,
  verifyAttempts: 3,
  verifyIntervalSeconds: 2,
};

/** A plan outline with only graceful steps unless told otherwise. */
export const outline = (plan: Partial<PlanOutline> = {}): PlanOutline => ({
  graceful: [STEP],
  force: [],
  prepare: [],
  reserveSeconds: 10,
  ...plan,
});

/** One node actor on a SimulatedClock with scripted drain effects. */
export function simulatedNode(script: Parameters<typeof scriptedDrain>[0], input: Partial<NodeInput> = {}) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const drain = scriptedDrain(script);
  const machine = provideNodeMachine(drain.leaves, () => clock.now());
  const { logger, lines } = captureLogger();
  const actor = startNodeActor(
    machine,
    { nodeId: 'pc101', clientId: 'node1', plan: outline(), bestEffortSeconds: 5, onFailure: 'hold', ...input },
    { logger, clock },
  );
  return { actor, clock, calls: drain.calls, lines, state: () => actor.getSnapshot() };
}
