/** First line the wrapper prints on stderr: the remote pid of `timeout`, so an abort can signal it. */
export const REMOTE_PID_MARKER = '\x1edynslice-pid:';
/**
 * The line the shell that `timeout` starts prints on stderr before it runs the command: the proof
 * that the wrapper worked. Without it, a status is the wrapper's (a `timeout` that is missing or
 * refuses its options), never the command's.
 */
export const REMOTE_RAN_MARKER = '\x1edynslice-ran';

import { KILL_AFTER_SECONDS, SH_TIMER } from './sh-timer.js';
import type { TimeoutWrapper } from './timeout-flavour.js';

export { KILL_AFTER_SECONDS };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class InvalidEnvNameError extends Error {
  readonly code = 'SSH_INVALID_ENV_NAME';
  constructor(readonly envName: string) {
    super('environment variable names must match [A-Za-z_][A-Za-z0-9_]*');
  }
}

/** POSIX single-quote quoting: the result is always exactly one shell word, never expanded. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `env` as `NAME=value` words for `env`; throws InvalidEnvNameError for a name a shell could not take. */
export function envAssignments(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new InvalidEnvNameError(name);
    return shellQuote(`${name}=${value}`);
  });
}

/**
 * The text the remote login shell runs. `$$` of the outer `sh` becomes the pid of `timeout` (both
 * `exec`), which leads its own process group, so one `kill -TERM pid` stops the whole tree; on a node
 * without a `timeout -k` (timeout-flavour.ts), the sh timer takes its place and does the same. The
 * shell it starts announces itself (REMOTE_RAN_MARKER) before the command, on a line of its own.
 */
export function buildRemoteCommand(
  command: string,
  env: Record<string, string> | undefined,
  timeoutSeconds: number,
  wrapper: TimeoutWrapper = 'timeout-k',
): string {
  const assignments = envAssignments(env);
  const announcePid = `printf "\\036dynslice-pid:%s\\n" "$$" >&2; exec "$@"`;
  const seconds = Math.max(1, Math.ceil(timeoutSeconds));
  return [
    'exec sh -c',
    shellQuote(announcePid),
    'dynslice',
    ...(assignments.length > 0 ? ['env', ...assignments] : []),
    wrapper === 'timeout-k'
      ? `timeout -k ${KILL_AFTER_SECONDS} ${seconds} sh -c`
      : `sh -c ${shellQuote(SH_TIMER)} dynslice-timer ${seconds} sh -c`,
    // On the command's first line, so the shell's messages name the command's own line numbers.
    shellQuote(`printf "\\036dynslice-ran\\n" >&2; ${command}`),
  ].join(' ');
}

/** GNU timeout takes whole seconds: round up, at least 1. */
export function remoteTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

/** `timeout` exits 124 when it sent TERM at the deadline, 137 (128+KILL) when -k had to follow up. */
export function isRemoteTimeoutExit(code: number | null): boolean {
  return code === 124 || code === 137;
}
