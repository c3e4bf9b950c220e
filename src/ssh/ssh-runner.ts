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

export interface RunResult {
  /** Exit code; null when the command did not finish (connection dropped, aborted, timed out). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why `code` is null, or 'timeout' when the remote `timeout` wrapper killed the command (exit 124/137). */
  failure?: 'timeout' | 'aborted' | 'connection' | 'unreachable';
  /** Human readable detail for `failure`. */
  detail?: string;
  /** Stable code for why a node was unreachable (tests and callers branch on this, not on `detail`). */
  unreachable?: UnreachableReason;
  /**
   * Set by the dry-run runner: nothing ran. Verifies read it as passed ("if every command did its
   * job"); dry runs never release a node early (shadow mode), so this only ever answers what-if.
   */
  dryRun?: true;
  /** Bytes dropped from the middle of each stream when it outgrew what the runner keeps (its head and its tail). */
  truncated?: { stdout: number; stderr: number };
}

export type UnreachableReason =
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'auth-failed'
  | 'refused'
  | 'connect-timeout'
  | 'network'
  | 'config';

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
