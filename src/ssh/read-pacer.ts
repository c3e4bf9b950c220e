/** How far reading may run ahead of the rate before the reader pauses. */
const BURST_MS = 100;

/**
 * Paces the reading of output that is not kept (past a command's head, before its tail): at most
 * `bytesPerSecond` on average. A command printing endlessly then costs the agent little CPU, and,
 * held back by SSH flow control, little on its node; its own timeout still ends it.
 */
export class ReadPacer {
  private due = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How many ms to stop reading after `bytes` more went unkept (0: read on). */
  pauseAfter(bytes: number): number {
    if (bytes <= 0 || !Number.isFinite(this.bytesPerSecond)) return 0;
    const now = this.now();
    this.due = Math.max(this.due, now) + (bytes * 1000) / this.bytesPerSecond;
    const ahead = this.due - now;
    return ahead > BURST_MS ? Math.ceil(ahead) : 0;
  }
}

/**
 * The pause after `bytes` more went unkept under several budgets at once (a command's own and the
 * one every command of the agent shares): each counts the bytes, the longest pause holds.
 */
export function pauseAfterAll(pacers: readonly ReadPacer[], bytes: number): number {
  return pacers.reduce((longest, pacer) => Math.max(longest, pacer.pauseAfter(bytes)), 0);
}
