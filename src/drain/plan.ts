import type { StepOutline } from '../../machines/drain.types.js';
import type { StepConfig } from '../config/schema.js';

/** A step the agent can run: shell text for `run` and `verify`, plus its timings. */
export interface CommandStep extends StepOutline {
  run: string;
  verify: string;
}

/** The drain plan shared by every node of the slice. */
export interface DrainPlan {
  steps: CommandStep[];
  /** What the machines see of the steps (no command text). */
  outline: StepOutline[];
}

export function compilePlan(steps: StepConfig[]): DrainPlan {
  const compiled = steps.map((step) => ({ ...step }));
  return {
    steps: compiled,
    outline: compiled.map(({ name, timeoutSeconds, verifyAttempts, verifyIntervalSeconds }) => ({
      name,
      timeoutSeconds,
      verifyAttempts,
      verifyIntervalSeconds,
    })),
  };
}
