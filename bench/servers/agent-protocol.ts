/**
 * What the bench asks of the agent process (agent-server.ts). The harness compiles against older
 * commits' src too (`npm run bench -- --compare REF`): it names nothing they lack.
 */
export interface AgentServerOptions {
  nodes: number;
  /** noop: every command succeeds at once (no SSH, no log line); ssh: the real node-ssh runner. */
  runner: 'noop' | 'ssh';
  /** Where every node's sshd listens (one sshd on loopback stands for all nodes). */
  host?: string;
  port?: number;
  ssh?: { user: string; privateKeyPath: string; knownHostsPath: string; concurrency?: number };
  preconnect?: boolean;
  steps?: Array<{ name: string; run: string; verify: string; verifyIntervalSeconds?: number }>;
  maxBodyBytes?: number;
  maxNodesPerCall?: number;
  logLevel?: 'info' | 'warn';
  /** The journal's directory, kept at stop (default: a temporary one, removed at stop). */
  stateDir?: string;
  /** Report when each drain command started and each node was drained (the fan-out bench times them). */
  reportDrains?: boolean;
}

/** What the agent process reports, over the IPC channel. */
export type AgentServerReport =
  | { type: 'ready'; port: number; buildMs: number; rssBytes: number; heapBytes: number }
  | { type: 'memory'; rssBytes: number; heapBytes: number }
  /** How many nodes are given back (drained or forced): the scale bench waits for all of them. */
  | { type: 'released'; released: number }
  | { type: 'preconnected'; connected: number }
  /**
   * With reportDrains, once every node is drained (kept in memory until then, so the burst pays no
   * IPC): when each node was drained, when each drain command was handed to the runner, and with the
   * ssh runner each command's hops on its way to the node (src/ssh/command-hops.ts).
   */
  | {
      type: 'drains';
      drainedAt: number[];
      commandAt: number[];
      /** `hop`: a src/ssh/command-hops.ts CommandHop (a string here, so the harness compiles against older src). */
      hops: Array<{ nodeId: string; hop: string; at: number }>;
    };
