import { constants } from 'node:os';
import type { Logger } from 'pino';
import { within } from './bounded-wait.js';
import { CappedOutput, type OutputKeep, outputExcerpt, PidMarkedStderr } from './captured-output.js';
import type { ExecExit, ExecHandlers } from './channel-exec.js';
import { type CommandHop, hopClock } from './command-hops.js';
import { pauseAfterAll, ReadPacer } from './read-pacer.js';
import type { RunOutcome, RunResult } from './runner-types.js';
import { isRemoteTimeoutExit, KILL_AFTER_SECONDS, remoteTimeoutSeconds } from './shell-quote.js';

/** The slice of a connection this module needs; pooled-runner.ts adapts `execStreaming` to it. */
export interface ExecSession {
  exec(command: string, handlers: ExecHandlers): Promise<ExecExit>;
}

export interface RemoteCommandOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** What each stream's result keeps; the rest is counted, never held. */
  keep: OutputKeep;
  /** Output past what is kept is read at most this fast (Infinity: as fast as it comes). */
  unkeptBytesPerSecond: number;
  /** Shared by every command of the agent: all of them together read unkept output no faster than it allows. */
  unkeptTotal?: ReadPacer;
  log: Logger;
  /** Hears the command's hops from the exec on (command-hops.ts). */
  onHop?: (hop: CommandHop, at: number) => void;
}

/** Past the remote deadline, `timeout -k` needs KILL_AFTER_SECONDS more; the client waits that plus slack. */
export const CLIENT_GRACE_MS = (KILL_AFTER_SECONDS + 2) * 1000;
const PID_WAIT_MS = 2_000;
const KILL_WAIT_MS = 5_000;
/** After the kill, how long the channel gets to close by itself so in-flight output is not lost. */
const SETTLE_WAIT_MS = 1_000;

/** Runs an already wrapped command (see buildRemoteCommand); never rejects. */
export function runRemoteCommand(
  session: ExecSession,
  remoteCommand: string,
  options: RemoteCommandOptions,
): Promise<RunResult> {
  const { signal, timeoutMs, keep, log } = options;
  const stdout = new CappedOutput(keep);
  const { onHop } = options;
  const stderr = new PidMarkedStderr(keep, onHop && ((marker) => onHop(marker, hopClock())));
  const pacers = [new ReadPacer(options.unkeptBytesPerSecond), ...(options.unkeptTotal ? [options.unkeptTotal] : [])];
  let channel: { close(): void } | undefined;
  let stopping = false;
  let done = false;

  return new Promise((resolve) => {
    const startedAt = Date.now();
    const clientDeadlineMs = remoteTimeoutSeconds(timeoutMs) * 1000 + CLIENT_GRACE_MS;
    let timer = setTimeout(() => void stop('timeout'), clientDeadlineMs);
    // The remote deadline starts with `timeout` itself, which the pid marker announces: restart ours there.
    void stderr.waitForPid(clientDeadlineMs).then((pid) => {
      if (pid === undefined || stopping || done) return;
      clearTimeout(timer);
      timer = setTimeout(() => void stop('timeout'), clientDeadlineMs);
    });
    const onAbort = (): void => void stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });

    function finish(outcome: RunOutcome): void {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stderr.end();
      const result: RunResult = { ...outcome, stdout: stdout.text(), stderr: stderr.output.text() };
      if (stdout.dropped > 0 || stderr.output.dropped > 0) {
        result.truncated = { stdout: stdout.dropped, stderr: stderr.output.dropped };
      }
      resolve(result);
    }

    async function stop(why: 'aborted' | 'timeout'): Promise<void> {
      if (stopping) return;
      stopping = true;
      const pid = await stderr.waitForPid(PID_WAIT_MS);
      const killed = pid === undefined ? 'remote pid unknown' : await killRemote(session, pid);
      if (pid !== undefined)
        await within(
          execution.catch(() => undefined),
          SETTLE_WAIT_MS,
        );
      channel?.close();
      log.warn({ why, pid, killed }, 'ssh command stopped');
      const reason =
        why === 'timeout' ? `no result ${clientDeadlineMs} ms after the remote command started` : abortReason(signal);
      const detail = `${reason}; ${killed}`;
      finish(why === 'timeout' ? { kind: 'timedOut', code: null, detail } : { kind: 'aborted', code: null, detail });
    }

    const execution = session.exec(remoteCommand, {
      onChannel: (c) => {
        onHop?.('exec', hopClock());
        channel = c;
        if (stopping) c.close(); // opened after the caller already gave up
      },
      onStdout: (b) => paced(stdout, () => stdout.push(b)),
      onStderr: (b) => paced(stderr.output, () => stderr.push(b)),
    });

    /**
     * Paced while the command is being stopped too: what a flood's node still holds would otherwise
     * all be read at once, for every command the deadline ends. Once settled, the rest is read as it comes.
     */
    function paced(output: CappedOutput, push: () => void): number {
      const before = output.dropped;
      push();
      return done ? 0 : pauseAfterAll(pacers, output.dropped - before);
    }
    execution.then(
      (exit) => {
        if (stopping) return;
        const outcome = outcomeOfExit(exit, Date.now() - startedAt >= remoteTimeoutSeconds(timeoutMs) * 1000);
        finish(outcome.kind === 'exited' && !stderr.ran ? notRun(outcome.code, stderr) : outcome);
      },
      (err: Error) => {
        if (!stopping) finish({ kind: 'disconnected', code: null, detail: `exec failed: ${err.message}` });
      },
    );
  });
}

function outcomeOfExit(exit: { code: number | null; signal: string | null }, pastDeadline: boolean): RunOutcome {
  const code = exit.code ?? shellCodeOfSignal(exit.signal);
  if (code === null) {
    const signal = exit.signal ? ` (signal ${exit.signal})` : '';
    return { kind: 'disconnected', code: null, detail: `connection closed before the command finished${signal}` };
  }
  // Without the deadline check, a command that itself exits 124 or is KILLed would read as a timeout.
  if (isRemoteTimeoutExit(code) && pastDeadline) {
    return { kind: 'timedOut', code, detail: `remote timeout stopped the command (exit ${code})` };
  }
  if (!exit.signal) return { kind: 'exited', code };
  return { kind: 'exited', code, detail: `remote command killed by signal ${exit.signal}` };
}

/**
 * `timeout` re-raises the signal that killed its command, and -k KILLs its own process group
 * (itself included), so sshd reports a signal, not a status: map it to the shell's 128+n.
 */
function shellCodeOfSignal(name: string | null): number | null {
  const number = name ? constants.signals[`SIG${name.replace(/^SIG/, '')}` as NodeJS.Signals] : undefined;
  return number === undefined ? null : 128 + number;
}

/** TERM to `timeout` reaches the command's whole process group; `-k` follows with KILL. */
async function killRemote(session: ExecSession, pid: number): Promise<string> {
  const attempt = session.exec(`kill -TERM ${pid}`, {}).then(
    ({ code }) => (code === 0 ? `sent TERM to remote pid ${pid}` : `kill of remote pid ${pid} exited ${code}`),
    (err: Error) => `kill of remote pid ${pid} failed: ${err.message}`,
  );
  return (await within(attempt, KILL_WAIT_MS)) ?? `kill of remote pid ${pid} timed out`;
}

/** A runner stops a command with a string reason (e.g. its node released); a caller's abort has none. */
function abortReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'aborted by caller';
}

/** An exit without the ran marker: the wrapper's own status and words (see REMOTE_RAN_MARKER). */
function notRun(code: number, stderr: PidMarkedStderr): RunOutcome {
  stderr.end();
  const said = outputExcerpt(stderr.output.text());
  const detail = `the command's wrapper (sh, timeout) failed before the command ran: exit ${code}${said ? `: ${said}` : ''}`;
  return { kind: 'notRun', code, detail };
}
