import type { Logger } from 'pino';
import { fromPromise } from 'xstate';
import type { StepRequest, VerifyResult } from '../../machines/drain.types.js';
import type { RunResult, SshRunner, SshTarget } from '../ssh/ssh-runner.js';
import type { DrainPlan } from './plan.js';

export interface StepActorDeps {
  plan: DrainPlan;
  runner: SshRunner;
  /** Where a node is reached; undefined when it is not known (anymore). */
  targetOf: (nodeId: string) => SshTarget | undefined;
  logger: Logger;
  now: () => number;
}

/** Node facts reach commands as environment variables, never spliced into the command text. */
export function stepEnvironment(request: StepRequest): Record<string, string> {
  const env: Record<string, string> = {
    DYNSLICE_NODE_ID: request.node.nodeId,
    DYNSLICE_CLIENT_ID: request.node.clientId ?? '',
    DYNSLICE_STEP: request.step.name,
  };
  if (request.node.deadline !== null) {
    env.DYNSLICE_DEADLINE = String(Math.floor(request.node.deadline / 1000));
  }
  return env;
}

const describeRun = (result: RunResult): string =>
  result.code === null
    ? `${result.failure ?? 'failed'}${result.detail ? `: ${result.detail}` : ''}`
    : `exit ${result.code}${result.stderr.trim() ? `: ${result.stderr.trim().slice(0, 200)}` : ''}`;

/** The drain machine's effects (runStep, verifyStep) on top of the SSH port. */
export function createStepActors(deps: StepActorDeps) {
  const { plan, runner, targetOf, logger, now } = deps;

  async function exec(request: StepRequest, which: 'run' | 'verify', signal: AbortSignal) {
    const step = plan.steps[request.stepIndex];
    const target = targetOf(request.node.nodeId);
    if (!step) throw new Error(`no drain step ${request.stepIndex}`);
    if (!target) throw new Error(`node ${request.node.nodeId} has no SSH target`);
    const log = logger.child({ nodeId: request.node.nodeId, step: step.name, phase: which });
    const started = now();
    const result = await runner.run(target, step[which], {
      signal,
      timeoutMs: step.timeoutSeconds * 1000,
      env: stepEnvironment(request),
    });
    log.info({ code: result.code, failure: result.failure, ms: now() - started, attempt: request.attempt }, 'drain command finished');
    return result;
  }

  return {
    runStep: fromPromise<void, StepRequest>(async ({ input, signal }) => {
      const result = await exec(input, 'run', signal);
      // A run that could not reach the node proves nothing and cannot be verified either.
      if (result.failure === 'unreachable' || result.failure === 'aborted') {
        throw new Error(describeRun(result));
      }
    }),
    verifyStep: fromPromise<VerifyResult, StepRequest>(async ({ input, signal }) => {
      const result = await exec(input, 'verify', signal);
      return result.code === 0 ? { passed: true } : { passed: false, detail: describeRun(result) };
    }),
  };
}
