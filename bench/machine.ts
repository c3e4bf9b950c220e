import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  /** 1-minute load average when the run started and when it ended. */
  loadBefore: number;
  loadAfter?: number;
  /** 1-minute load average as each part started. */
  loadAtStart?: Record<string, number>;
}

export function describeMachine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    loadBefore: loadavg()[0] ?? 0,
  };
}

export const loadNow = (): number => loadavg()[0] ?? 0;

/** A one-line summary of the kernel's view of the disk the journal writes to (the fdatasync cost). */
export function journalDisk(): string {
  try {
    const line = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[1] === '/');
    return line ? line.split(' ').slice(0, 3).join(' ') : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Waits (at most `maxSeconds`) for the 1-minute load average to fall below `quiet`: the fan-out's own sessions leave it high. */
export async function settleLoad(quiet: number, maxSeconds: number): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  while (loadNow() >= quiet && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5000));
  return loadNow();
}
