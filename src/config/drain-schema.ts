import { z } from 'zod';

const seconds = z.number().nonnegative();

/** Keys every step accepts besides its action's own options. */
export const stepTimingKeys = {
  /** Shown in logs and status; defaults to the action's name. */
  name: z.string().min(1).optional(),
  estimateSeconds: seconds.optional(),
  timeoutSeconds: z.number().positive().optional(),
  verifyAttempts: z.number().int().positive().optional(),
  verifyIntervalSeconds: seconds.optional(),
};

/** The older shape of a step (issue-2 configs): a graceful `command` step. */
export const stepSchema = z.strictObject({
  ...stepTimingKeys,
  name: z.string().min(1),
  run: z.string().min(1),
  verify: z.string().min(1),
});

/** `{ action: NAME, ...options }`; the options are checked against the action once plugins are loaded. */
export const actionStepSchema = z.looseObject({ action: z.string().min(1) });

export const drainSchema = z.strictObject({
  /** Older name: graceful `command` steps. */
  steps: z.array(stepSchema).default([]),
  graceful: z.array(actionStepSchema).default([]),
  force: z.array(actionStepSchema).default([]),
  /** Run before any revocation once the node's value crosses `prepareAt`. */
  prepare: z.array(actionStepSchema).default([]),
  prepareAt: z.number().min(0).max(1).optional(),
  /** Margin on top of the force steps' estimates when deciding when to switch to them. */
  reserveSeconds: seconds.default(10),
  /** Drain window when the cluster sends max_wait_time 0 (the node is released at once). */
  bestEffortSeconds: seconds.default(5),
  /** A failed drain: hold the node until the deadline, or release it now. */
  onFailure: z.enum(['hold', 'release']).default('hold'),
  /**
   * After the agent died this many times while one step ran on a node, a restart no longer runs
   * that step: its verify probes it, and if that fails the step fails (agent-crashed-during-step).
   */
  stepCrashLimit: z.number().int().positive().default(3),
});

export type DrainConfig = z.infer<typeof drainSchema>;
export type StepConfig = z.infer<typeof stepSchema>;
export type ActionStepConfig = z.infer<typeof actionStepSchema>;
