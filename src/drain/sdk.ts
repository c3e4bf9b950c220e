import type { Logger } from 'pino';
import type { z } from 'zod';
import type { VerifyResult } from '../../machines/drain.types.js';
import { failureWord, type RunResult } from '../ssh/runner-types.js';

export type { VerifyResult } from '../../machines/drain.types.js';
export type { Exited, RunResult } from '../ssh/runner-types.js';
export {
  type ExitMeaning,
  passesOnExit,
  passesWhenZero,
  type StatusMeaning,
  type VerifyFailure,
} from './verify-status.js';

/** Where a command runs when it is not the node itself (e.g. a Slurm controller). */
export interface RemoteHost {
  host: string;
  port?: number;
  user?: string;
}

export interface SshRunOptions {
  /** Remote and client-side limit; defaults to the step's timeoutSeconds. */
  timeoutSeconds?: number;
  /** Extra environment; values are shell-quoted, never pasted into the command text. */
  env?: Record<string, string>;
  /** Run on another host instead of the node. */
  on?: RemoteHost;
}

/** What a drain action sees of the world. */
export interface DrainActionContext<Options> {
  node: { nodeId: string; clientId: string | null; host: string; port: number; user: string };
  options: Options;
  /** When the cluster takes the node (epoch ms); null for prepare runs. */
  deadline: number | null;
  /** Aborted at the deadline, on DELETE_COMPLETE, or when the ladder switches to force. */
  signal: AbortSignal;
  logger: Logger;
  /** 0 on the first verify, then 1, 2, … */
  attempt: number;
  ssh: {
    /** Never throws: every failure is in the result (its `kind` says how the command ended). */
    run(command: string, options?: SshRunOptions): Promise<RunResult>;
  };
}

export interface StepTimings {
  timeoutSeconds: number;
  verifyAttempts: number;
  verifyIntervalSeconds: number;
}

export interface DrainAction<Schema extends z.ZodType = z.ZodType> {
  name: string;
  /** Options the action accepts next to `action:` in the config; a bad one is a config error. */
  options: Schema;
  /** How long the action usually needs; the switch point to the force steps is computed from it. */
  estimateSeconds: number | ((options: z.output<Schema>) => number);
  /** Defaults for the step's timings, e.g. a polling action sets how often verify runs. */
  timings?: (options: z.output<Schema>, step: { timeoutSeconds: number }) => Partial<StepTimings>;
  /** Acts on the node. Throw when it could not act at all (the node unreachable). */
  run(ctx: DrainActionContext<z.output<Schema>>): Promise<void>;
  /** Proves the action worked; the node is drained only when this passes. */
  verify(ctx: DrainActionContext<z.output<Schema>>): Promise<VerifyResult | boolean>;
}

const BRAND = Symbol.for('dynslice-agent.drain-action');

/** Declares a drain action for a plugin module (export it, default or named). */
export function defineDrainAction<Schema extends z.ZodType>(action: DrainAction<Schema>): DrainAction<Schema> {
  return Object.assign(action, { [BRAND]: true });
}

export function isDrainAction(value: unknown): value is DrainAction {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * For `run`: a command that could not reach the node, or did not get to its end for another reason
 * than its time running out, is a failure of the step.
 */
export function mustReach(result: RunResult): RunResult {
  switch (result.kind) {
    case 'exited':
    case 'timedOut':
    case 'dryRun':
      return result;
    case 'aborted':
    case 'disconnected':
    case 'unreachable':
    case 'notRun':
      throw new Error(`${failureWord(result)}: ${result.detail}`);
    default:
      throw new Error(
        `unexpected-result: a command result of unknown kind ${JSON.stringify((result as { kind?: unknown }).kind)}`,
      );
  }
}
