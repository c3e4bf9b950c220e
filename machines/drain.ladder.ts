import type { DrainContext, StepOutline } from './drain.types.js';

/** Steps of the current phase; a prepare run has no force phase. */
export function phaseSteps(
  context: Pick<DrainContext, 'purpose' | 'plan'>,
  phase: DrainContext['phase'],
): StepOutline[] {
  if (context.purpose === 'prepare') return phase === 'graceful' ? context.plan.prepare : [];
  return context.plan[phase];
}

/** Time left before the force steps must start: deadline − (force estimates + reserve). */
export function msUntilSwitch(context: Pick<DrainContext, 'purpose' | 'plan' | 'node'>, now: number): number {
  if (context.node.deadline === null) return Number.POSITIVE_INFINITY;
  const force = phaseSteps(context, 'force').reduce((sum, step) => sum + step.estimateSeconds, 0);
  return context.node.deadline - now - (force + context.plan.reserveSeconds) * 1000;
}

/** The force steps must start now (there are force steps, and no time is left for graceful ones). */
export function isPastSwitchPoint(context: Pick<DrainContext, 'purpose' | 'plan' | 'node'>, now: number): boolean {
  return phaseSteps(context, 'force').length > 0 && msUntilSwitch(context, now) <= 0;
}

// Timers longer than this fire at once in Node; a later deadline re-arms the switch anyway.
export const MAX_TIMER_MS = 2 ** 31 - 1;
