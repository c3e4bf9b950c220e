import type { z } from 'zod';
import type { PlanOutline, StepOutline, StepPhase } from '../../machines/drain.types.js';
import type { ActionStepConfig, DrainConfig } from '../config/drain-schema.js';
import { ConfigError } from '../config/load-config.js';
import type { ActionRegistry } from './registry.js';
import type { DrainAction } from './sdk.js';

/** A step ready to run: its action, validated options and timings. */
export interface PlanStep extends StepOutline {
  action: DrainAction;
  options: unknown;
}

/** The drain plan shared by every node of the slice. */
export interface DrainPlan {
  steps: Record<StepPhase, PlanStep[]>;
  /** What the machines see of the plan (no actions, no commands). */
  outline: PlanOutline;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_VERIFY = { verifyAttempts: 5, verifyIntervalSeconds: 2 };
const STEP_KEYS = ['action', 'name', 'estimateSeconds', 'timeoutSeconds', 'verifyAttempts', 'verifyIntervalSeconds'];

function formatIssue(key: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  if (issue.code === 'unrecognized_keys') return `${key}.${issue.keys[0]}: unknown option`;
  return `${key}${path}: ${issue.message}`;
}

function compileStep(config: ActionStepConfig, key: string, registry: ActionRegistry): PlanStep {
  const action = registry.get(config.action);
  if (!action) {
    throw new ConfigError(
      `${key}.action: unknown drain action "${config.action}" (known: ${registry.names().join(', ')})`,
      `${key}.action`,
    );
  }
  const rawOptions = Object.fromEntries(Object.entries(config).filter(([k]) => !STEP_KEYS.includes(k)));
  const parsed = action.options.safeParse(rawOptions);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const message = formatIssue(key, first);
    throw new ConfigError(`invalid drain step: ${message}`, message.slice(0, message.indexOf(':')));
  }
  const options = parsed.data;
  const timeoutSeconds = (config.timeoutSeconds as number | undefined) ?? DEFAULT_TIMEOUT_SECONDS;
  const timings = { ...DEFAULT_VERIFY, ...action.timings?.(options, { timeoutSeconds }) };
  const estimate =
    typeof action.estimateSeconds === 'function' ? action.estimateSeconds(options) : action.estimateSeconds;
  return {
    name: (config.name as string | undefined) ?? action.name,
    action,
    options,
    estimateSeconds: (config.estimateSeconds as number | undefined) ?? estimate,
    timeoutSeconds,
    verifyAttempts: (config.verifyAttempts as number | undefined) ?? timings.verifyAttempts,
    verifyIntervalSeconds: (config.verifyIntervalSeconds as number | undefined) ?? timings.verifyIntervalSeconds,
  };
}

const outlineOf = ({ action: _a, options: _o, ...outline }: PlanStep): StepOutline => outline;

/** Validates every step against its action and builds the ladder. */
export function compilePlan(drain: DrainConfig, registry: ActionRegistry): DrainPlan {
  if (drain.steps.length > 0 && drain.graceful.length > 0) {
    throw new ConfigError('drain.steps: use drain.graceful (drain.steps is its older name), not both', 'drain.steps');
  }
  const legacy = drain.steps.map(({ run, verify, ...timing }) => ({ action: 'command', run, verify, ...timing }));
  const lists = { graceful: legacy.length > 0 ? legacy : drain.graceful, force: drain.force, prepare: drain.prepare };
  const key = (phase: StepPhase, i: number) =>
    phase === 'graceful' && legacy.length > 0 ? `drain.steps[${i}]` : `drain.${phase}[${i}]`;
  const steps = {
    graceful: lists.graceful.map((c, i) => compileStep(c, key('graceful', i), registry)),
    force: lists.force.map((c, i) => compileStep(c, key('force', i), registry)),
    prepare: lists.prepare.map((c, i) => compileStep(c, key('prepare', i), registry)),
  };
  return {
    steps,
    outline: {
      graceful: steps.graceful.map(outlineOf),
      force: steps.force.map(outlineOf),
      prepare: steps.prepare.map(outlineOf),
      reserveSeconds: drain.reserveSeconds,
    },
  };
}
