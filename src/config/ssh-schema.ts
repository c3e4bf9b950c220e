import { z } from 'zod';

/** YAML 1.1 habits (`yes`/`no` unquoted) arrive as booleans: accept them for yes|no keys. */
const yesNo = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v === true ? 'yes' : v === false ? 'no' : v), z.enum(values));

const seconds = z.number().nonnegative();

export const sshSchema = z.strictObject({
  user: z.string().min(1).default('root'),
  port: z.number().int().min(1).max(65535).default(22),
  privateKeyPath: z.string().default('~/.ssh/id_ed25519'),
  /** A command whose stdout is the private key (read once at start, kept in memory); used instead of privateKeyPath. */
  privateKeyCommand: z.string().trim().min(1).optional(),
  knownHostsPath: z.string().default('~/.ssh/known_hosts'),
  hostKeyChecking: yesNo(['yes', 'accept-new', 'no'] as const).default('yes'),
  /** Parallel SSH connects at most (sshd refuses bursts). */
  concurrency: z.number().int().positive().default(32),
  connectTimeoutSeconds: seconds.default(10),
  /** Connect to every node at start and keep the connections, so drains start without a handshake. */
  preconnect: z.boolean().default(false),
  /** Per stream of a command, the first and the last bytes kept; what lies between is counted, never held. */
  outputHeadBytes: z
    .number()
    .int()
    .nonnegative()
    .default(64 * 1024),
  outputTailBytes: z
    .number()
    .int()
    .nonnegative()
    .default(64 * 1024),
  /** Output past what is kept is read at most this fast per command (SSH flow control holds the node's writer back). */
  unkeptOutputBytesPerSecond: z
    .number()
    .positive()
    .default(1024 * 1024),
  /** The same for all commands together, however many nodes flood at once. */
  unkeptOutputBytesPerSecondTotal: z
    .number()
    .positive()
    .default(8 * 1024 * 1024),
});

/** The `ssh` section as parsed: every default filled in here, and only here (see src/ssh/runner-for.ts). */
export type SshConfig = z.infer<typeof sshSchema>;
