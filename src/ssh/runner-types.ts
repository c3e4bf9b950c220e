import type { ConnectFailureReason } from '../../machines/ssh-connection.machine.js';
/** Where a node is reached over SSH. */
export interface SshTarget {
  /** The node's physical id (used as the pool key and in logs). */
  nodeId: string;
  host: string;
  port: number;
  user: string;
}

export interface RunOptions {
  /** Aborting stops the remote command (and the local wait) as soon as possible. */
  signal?: AbortSignal;
  /** Remote and client-side limit for the command. */
  timeoutMs: number;
  /** Environment for the remote command; values are shell-quoted, never spliced raw. */
  env?: Record<string, string>;
}

/** What a command printed, as far as the runner kept it (empty when nothing ran). */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  /** Bytes dropped from the middle of each stream when it outgrew what the runner keeps (its head and its tail). */
  truncated?: { stdout: number; stderr: number };
}

/** The command ran to its end. */
export interface Exited extends CommandOutput {
  kind: 'exited';
  code: number;
  /** Set when a signal ended the command (`code` is then the shell's 128+n). */
  detail?: string;
}

/**
 * The command's time ran out: the remote `timeout` wrapper stopped it (`code` 124 or 137, past its
 * deadline), or no result came within the client's own deadline (`code` null).
 */
export interface TimedOut extends CommandOutput {
  kind: 'timedOut';
  code: number | null;
  detail: string;
}

/** The caller gave up (its signal fired, the node was released, the runner closed): stopped on the node. */
export interface Aborted extends CommandOutput {
  kind: 'aborted';
  code: null;
  detail: string;
}

/** The connection failed while the command ran, or could not be used (the runner closed). */
export interface Disconnected extends CommandOutput {
  kind: 'disconnected';
  code: null;
  detail: string;
}

/**
 * The wrapper that starts the command on the node failed before the command ran (its `timeout` is
 * missing, or refused its options): `code` and the output are the wrapper's. Never the command's
 * status: a check that did not run proves nothing.
 */
export interface NotRun extends CommandOutput {
  kind: 'notRun';
  code: number;
  detail: string;
}

/** No connection to the node: nothing ran. */
export interface Unreachable extends CommandOutput {
  kind: 'unreachable';
  code: null;
  /** Stable code for why (tests and callers branch on this, not on `detail`). */
  reason: UnreachableReason;
  detail: string;
}

/**
 * From the dry-run runner: nothing ran. Verifies read it as passed ("if every command did its job");
 * dry runs never release a node early (shadow mode), so this only ever answers what-if.
 */
export interface DryRun extends CommandOutput {
  kind: 'dryRun';
  code: 0;
}

/** How a command ended; `code` is its exit status where it has one, null otherwise. */
export type RunResult = Exited | TimedOut | Aborted | Disconnected | Unreachable | NotRun | DryRun;

/** A result without its output, as the code deciding the outcome sees it. */
export type RunOutcome = RunResult extends infer R
  ? R extends RunResult
    ? Omit<R, keyof CommandOutput>
    : never
  : never;

/** The word logs, journal events and verify details use for a result that is not an exit. */
export type CommandFailure = 'timeout' | 'aborted' | 'connection' | 'unreachable' | 'could-not-run';

const FAILURE_WORDS: Record<RunResult['kind'], CommandFailure | undefined> = {
  exited: undefined,
  dryRun: undefined,
  timedOut: 'timeout',
  aborted: 'aborted',
  disconnected: 'connection',
  unreachable: 'unreachable',
  notRun: 'could-not-run',
};

export function failureWord(result: Pick<RunResult, 'kind'>): CommandFailure | undefined {
  return FAILURE_WORDS[result.kind];
}

/** Why a node could not be reached: the connection chart's reasons, one union end to end. */
export type UnreachableReason = ConnectFailureReason;

/** The one port through which the agent runs commands on nodes. */
export interface SshRunner {
  run(target: SshTarget, command: string, options: RunOptions): Promise<RunResult>;
  /**
   * Opens the connection to a node ahead of any command and keeps it (reopened in the background if
   * it drops), so a drain pays no handshake; resolves false when the node is unreachable. Optional.
   */
  warm?(target: SshTarget): Promise<boolean>;
  /**
   * Drops a node's connection (once it is deleted): the commands still running there are stopped on
   * the node first, and the node gets no new connection until this one is closed.
   */
  release(nodeId: string): void;
  /** Stops every command still running, on its node, then closes every connection. */
  close(): Promise<void>;
}

/** Results of commands that produced no output. */
export const aborted = (detail: string): Aborted => ({ kind: 'aborted', code: null, stdout: '', stderr: '', detail });
export const disconnected = (detail: string): Disconnected => ({
  kind: 'disconnected',
  code: null,
  stdout: '',
  stderr: '',
  detail,
});
export const unreachable = (reason: UnreachableReason, detail: string): Unreachable => ({
  kind: 'unreachable',
  code: null,
  stdout: '',
  stderr: '',
  reason,
  detail,
});
