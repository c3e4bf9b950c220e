import { within } from './bounded-wait.js';

/**
 * Past this, a connection is closed even if a command has not finished stopping. Each command's own
 * stop path is shorter (pid wait, kill, settle: about 8 s); this only guards against a stop that hangs.
 */
const STOP_CEILING_MS = 15_000;

/**
 * The commands in flight on one connection. Closing a connection does not stop a command under
 * OpenSSH's sshd (it keeps running, re-parented), so a connection is closed only after every command
 * on it has been stopped on the node, over the still open connection.
 */
export class RunningCommands {
  private readonly stops = new Set<AbortController>();
  private readonly running = new Set<Promise<unknown>>();
  private stopReason: string | undefined;

  /** Runs `task` with a signal that fires when the caller's does or when `stopAll` is called. */
  track<T>(callerSignal: AbortSignal | undefined, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(callerSignal?.reason);
    if (this.stopReason !== undefined) stop.abort(this.stopReason);
    else if (callerSignal?.aborted) onAbort();
    else callerSignal?.addEventListener('abort', onAbort, { once: true });
    this.stops.add(stop);
    const running: Promise<T> = task(stop.signal).finally(() => {
      callerSignal?.removeEventListener('abort', onAbort);
      this.stops.delete(stop);
      this.running.delete(running);
    });
    this.running.add(running);
    return running;
  }

  /** Stops every command, with `reason` as its abort reason, and resolves once each has ended (bounded). */
  async stopAll(reason: string): Promise<void> {
    this.stopReason ??= reason;
    for (const stop of this.stops) stop.abort(reason);
    await within(Promise.allSettled([...this.running]), STOP_CEILING_MS);
  }
}
