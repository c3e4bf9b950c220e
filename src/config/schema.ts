import { z } from 'zod';
import { clusterSchema } from './cluster-schema.js';
import { drainSchema } from './drain-schema.js';
import { endpointSchema } from './endpoint-schema.js';
import { nodesSchema } from './nodes-schema.js';
import { statusSchema, webhooksSchema } from './observe-schema.js';

export { endpointSchema };

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

export const configSchema = z.strictObject({
  endpoint: endpointSchema.prefault({}),
  ssh: sshSchema.prefault({}),
  /** The slice's nodes: a list, or `{ manifest: FILE | { command } }` (see nodes-schema.ts). */
  nodes: nodesSchema.default([]),
  /** Host of a node learned from a call: `{client_id}` and `{node_id}` are replaced. */
  hostTemplate: z.string().min(1).optional(),
  /**
   * A node named in a call but not configured: adopt it (needs hostTemplate) or report it released;
   * `max` bounds how many such nodes calls can make the agent track. `unknownNodes: adopt` is short
   * for `{ policy: adopt }`.
   */
  unknownNodes: z
    .preprocess(
      (value) => (typeof value === 'string' ? { policy: value } : value),
      z.strictObject({
        policy: z.enum(['adopt', 'release']).default('adopt'),
        max: z.number().int().positive().default(10_000),
      }),
    )
    .prefault({}),
  /**
   * A countdown naming a node this many seconds or less after its NotifyDeleteComplete repeats the
   * deletion (the node stays deleted); later, it is the node given back to the slice, and it drains again.
   */
  deletedGraceSeconds: z.number().nonnegative().default(120),
  drain: drainSchema.prefault({}),
  /** Modules (.ts or .js) that export drain actions; paths relative to this file. */
  plugins: z.array(z.string().min(1)).default([]),
  /**
   * How to read SetResourceValues: keep-worth (high = worth keeping; under LIFO the newest nodes get
   * the lowest values and are taken first) or reclaim-likelihood (high = likely to be taken back).
   */
  valueMeans: z.enum(['keep-worth', 'reclaim-likelihood']).default('keep-worth'),
  cluster: clusterSchema.prefault({}),
  state: z.strictObject({ dir: z.string().default('./state') }).prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .prefault({}),
  /** Log the commands instead of running them. */
  dryRun: z.boolean().default(false),
  /** Status server (dashboard, /api, /metrics): runs only when present. */
  status: statusSchema.optional(),
  webhooks: webhooksSchema,
});

export type AgentConfig = z.infer<typeof configSchema>;
export type { StepConfig } from './drain-schema.js';
export type { ManifestNodesConfig, NodeConfig, NodesConfig } from './nodes-schema.js';
