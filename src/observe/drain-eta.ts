/** Running mean of how long verified drains took in this agent. */
export class DrainDurations {
  private totalMs = 0;
  private count = 0;

  add(ms: number): void {
    this.totalMs += ms;
    this.count += 1;
  }

  meanMs(): number | null {
    return this.count === 0 ? null : this.totalMs / this.count;
  }
}

/**
 * The drain's own guess of its length: the sum of its first phase's `estimateSeconds`. Read
 * loosely because the plan outline's shape belongs to the drain machine and grows with it.
 */
export function plannedDrainMs(plan: unknown): number | null {
  const steps = Array.isArray(plan) ? plan : (plan as { graceful?: unknown } | null)?.graceful;
  if (!Array.isArray(steps) || steps.length === 0) return null;
  let seconds = 0;
  for (const step of steps) {
    const estimate = (step as { estimateSeconds?: unknown } | null)?.estimateSeconds;
    if (typeof estimate !== 'number') return null;
    seconds += estimate;
  }
  return seconds * 1000;
}

export interface EtaInput {
  now: number;
  drainStartedAt: number;
  /** The drain is cut off then; an ETA past it means nothing. */
  deadline: number | null;
  observedMeanMs: number | null;
  plannedMs: number | null;
}

export interface Eta {
  /** When the drain is expected to end (epoch ms). */
  at: number;
  basis: 'observed' | 'plan';
}

/** When a running drain should end: observed drains first, the plan's estimates before any finished. */
export function drainEta(input: EtaInput): Eta | null {
  const expected = input.observedMeanMs ?? input.plannedMs;
  if (expected === null) return null;
  let at = Math.max(input.now, input.drainStartedAt + expected);
  if (input.deadline !== null && input.deadline > input.now) at = Math.min(at, input.deadline);
  return { at: Math.round(at), basis: input.observedMeanMs !== null ? 'observed' : 'plan' };
}
