import type { Logger } from 'pino';
import { fromPromise } from 'xstate';
import type { StepPhase, StepRequest, VerifyResult } from '../../machines/drain.types.js';
import {
  aborted,
  type CommandFailure,
  failureWord,
  type RunResult,
  type SshRunner,
  type SshTarget,
} from '../ssh/runner-types.js';
import type { DrainPlan, PlanStep } from './plan.js';
import type { DrainActionContext, RemoteHost, SshRunOptions } from './sdk.js';

/** One drain command, reported when it starts and again when it ends (with its outcome). */
export interface DrainCommandEvent {
  nodeId: string;
  step: string;
  stepIndex: number;
  /** The ladder's rung: graceful, force, or prepare. */
  rung: StepPhase;
  phase: 'run' | 'verify';
  attempt: number;
  startedAt: number;
  /** Set when the command has finished. */
  finishedAt?: number;
  code?: number | null;
  failure?: CommandFailure | undefined;
}

export interface StepActorDeps {
  plan: DrainPlan;
  runner: SshRunner;
  /** Where a node is reached; undefined when it is not known (anymore). */
  targetOf: (nodeId: string) => SshTarget | undefined;
  logger: Logger;
  now: () => number;
  onCommand?: (event: DrainCommandEvent) => void;
  /** Resolves when a command of the node may run (a crash search may hold it back: crash-search.ts). */
  admit?: (nodeId: string, signal: AbortSignal) => Promise<void>;
}

/** Node facts reach commands as environment variables, never spliced into the command text. */
export function stepEnvironment(request: StepRequest): Record<string, string> {
  const env: Record<string, string> = {
    DYNSLICE_NODE_ID: request.node.nodeId,
    DYNSLICE_CLIENT_ID: request.node.clientId ?? '',
    DYNSLICE_STEP: request.step.name,
  };
  if (request.node.deadline !== null) env.DYNSLICE_DEADLINE = String(Math.floor(request.node.deadline / 1000));
  return env;
}

function remoteTarget(node: SshTarget, on: RemoteHost): SshTarget {
  const port = on.port ?? 22;
  const user = on.user ?? node.user;
  return { nodeId: `${user}@${on.host}:${port}`, host: on.host, port, user };
}

/** The drain machine's effects (runStep, verifyStep): a step's action with a context around the SSH port. */
export function createStepActors(deps: StepActorDeps) {
  const { plan, runner, targetOf, logger, now, onCommand, admit } = deps;

  function contextFor(
    request: StepRequest,
    which: 'run' | 'verify',
    signal: AbortSignal,
  ): [PlanStep, DrainActionContext<unknown>] {
    const step = plan.steps[request.phase][request.stepIndex];
    const target = targetOf(request.node.nodeId);
    if (!step) throw new Error(`no ${request.phase} step ${request.stepIndex}`);
    if (!target) throw new Error(`node ${request.node.nodeId} has no SSH target`);
    const log = logger.child({ nodeId: request.node.nodeId, step: step.name, rung: request.phase, phase: which });
    const run = async (command: string, options: SshRunOptions = {}): Promise<RunResult> => {
      if (admit) {
        await admit(request.node.nodeId, signal);
        if (signal.aborted) return aborted('the drain was stopped while a crash search held it back');
      }
      const started: DrainCommandEvent = {
        nodeId: request.node.nodeId,
        step: step.name,
        stepIndex: request.stepIndex,
        rung: request.phase,
        phase: which,
        attempt: request.attempt,
        startedAt: now(),
      };
      onCommand?.(started);
      const result = await runner.run(options.on ? remoteTarget(target, options.on) : target, command, {
        signal,
        timeoutMs: (options.timeoutSeconds ?? step.timeoutSeconds) * 1000,
        env: { ...stepEnvironment(request), ...options.env },
      });
      const finishedAt = now();
      const failure = failureWord(result);
      const ms = finishedAt - started.startedAt;
      const { code, truncated } = result;
      log.info({ code, failure, truncated, ms, attempt: request.attempt }, 'drain command finished');
      onCommand?.({ ...started, finishedAt, code: result.code, failure });
      return result;
    };
    const ctx: DrainActionContext<unknown> = {
      node: {
        nodeId: request.node.nodeId,
        clientId: request.node.clientId,
        host: target.host,
        port: target.port,
        user: target.user,
      },
      options: step.options,
      deadline: request.node.deadline,
      signal,
      logger: log,
      attempt: request.attempt,
      ssh: { run },
    };
    return [step, ctx];
  }

  return {
    runStep: fromPromise<void, StepRequest>(async ({ input, signal }) => {
      const [step, ctx] = contextFor(input, 'run', signal);
      await step.action.run(ctx);
    }),
    verifyStep: fromPromise<VerifyResult, StepRequest>(async ({ input, signal }) => {
      const [step, ctx] = contextFor(input, 'verify', signal);
      const result = await step.action.verify(ctx);
      return typeof result === 'boolean' ? { passed: result } : result;
    }),
  };
}
