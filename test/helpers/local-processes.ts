import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

/** A `sleep` duration no other process on the machine uses, so pgrep -f can find exactly our sleeper. */
export function uniqueSleep(seconds: number): string {
  return `${seconds}.${randomInt(1e8, 1e9)}`;
}

/**
 * Pids whose full command line contains `text` (our test nodes run on this machine), or is exactly
 * `text` with `whole`: `sleep 300.123` then skips the shells whose script merely mentions it.
 */
export function pidsMatching(text: string, whole = false): number[] {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = whole ? `^${escaped}$` : escaped;
  try {
    return execFileSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * Polls with pgrep, which runs synchronously (~45 ms on a loaded machine): every 100 ms, so the test
 * process's event loop (its SSH handshakes, its timers) is not blocked most of the time.
 */
export async function waitForPids(text: string, present: boolean, ms: number, whole = false): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pidsMatching(text, whole).length > 0 === present) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Test cleanup: SIGKILL, by pid, whatever a test left running under its unique marker. */
export function killMatching(text: string): void {
  for (const pid of pidsMatching(text)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
