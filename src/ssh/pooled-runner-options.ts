import type { Logger } from 'pino';
import type { HopListener } from './command-hops.js';
import type { HostKeyChecking } from './host-key-policy.js';
import type { ConnectionClock } from './node-connection.js';
import type { SshRunner } from './runner-types.js';

/** Options left out take the `ssh` section's defaults (config/ssh-schema.ts, through ssh-settings.ts). */
export interface NodeSshRunnerOptions {
  privateKeyPath?: string;
  privateKey?: string;
  knownHostsPath: string;
  hostKeyChecking: HostKeyChecking;
  /** Most connection attempts in flight at once (sshd's MaxStartups drops bursts). */
  concurrency?: number;
  connectTimeoutMs?: number;
  /** Per stream, the first and the last bytes a result keeps ; the rest is counted. */
  outputHeadBytes?: number;
  outputTailBytes?: number;
  /** Output past what is kept is read at most this fast, per command (Infinity: unpaced). */
  unkeptBytesPerSecond?: number;
  /** The same for all commands together, whatever their number (Infinity: no shared budget). */
  unkeptBytesPerSecondTotal?: number;
  /** Further connect tries after a failure that may pass (default 2), `connectBackoffMs` (500) doubling. */
  connectRetries?: number;
  connectBackoffMs?: number;
  /** Commands in flight per node; below sshd's default MaxSessions 10 so an abort's kill channel fits. */
  maxChannelsPerNode?: number;
  /** How long a kept connection that dropped waits before it is opened again (default 2 s). */
  rewarmMs?: number;
  /** Timer source of the back-off and reopen waits (default: the system clock). */
  clock?: ConnectionClock;
  /** Hears each command's hops on its way to the node (command-hops.ts): where the reaction time goes. */
  onHop?: HopListener;
  logger: Logger;
}

export interface NodeSshRunner extends SshRunner {
  /** Handshakes completed since creation, and connections open now. */
  stats(): { connects: number; open: number };
}
