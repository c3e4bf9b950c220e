/** First line the wrapper prints on stderr: the remote pid of `timeout`, so an abort can signal it. */
export const REMOTE_PID_MARKER = '\x1edynslice-pid:';
/**
 * The line the shell that `timeout` starts prints on stderr before it runs the command: the proof
 * that the wrapper worked. Without it, a status is the wrapper's (a `timeout` that is missing or
 * refuses its options), never the command's.
 */
export const REMOTE_RAN_MARKER = '\x1edynslice-ran';

/** Seconds GNU timeout waits after TERM before it sends KILL. */
export const KILL_AFTER_SECONDS = 5;

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

/**
 * The text the remote login shell runs. `$$` of the outer `sh` becomes the pid of `timeout` (both
 * `exec`), which leads its own process group, so one `kill -TERM pid` stops the whole tree. The
 * shell `timeout` starts announces itself (REMOTE_RAN_MARKER) before the command, on a line of its own.
 */
export function buildRemoteCommand(
  command: string,
  env: Record<string, string> | undefined,
  timeoutSeconds: number,
): string {
  const assignments = Object.entries(env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new InvalidEnvNameError(name);
    return shellQuote(`${name}=${value}`);
  });
  const announcePid = `printf "\\036dynslice-pid:%s\\n" "$$" >&2; exec "$@"`;
  return [
    'exec sh -c',
    shellQuote(announcePid),
    'dynslice',
    ...(assignments.length > 0 ? ['env', ...assignments] : []),
    `timeout -k ${KILL_AFTER_SECONDS} ${Math.max(1, Math.ceil(timeoutSeconds))} sh -c`,
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
