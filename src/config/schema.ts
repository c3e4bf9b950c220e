import { z } from 'zod';
import { parseListenAddress } from './listen-address.js';

/** YAML 1.1 habits (`yes`/`no` unquoted) arrive as booleans: accept them for yes|no keys. */
const yesNo = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v === true ? 'yes' : v === false ? 'no' : v), z.enum(values));

const seconds = z.number().nonnegative();

export const endpointSchema = z.strictObject({
  /** host:port the cluster calls; `[::1]:8001` for IPv6. */
  listen: z
    .string()
    .default('127.0.0.1:8001')
    .refine((v) => { try { parseListenAddress(v); return true; } catch { return false; } }, 'expected host:port'),
  /** URL path the cluster posts to. */
  path: z.string().startsWith('/').default('/dynslice'),
  maxBodyBytes: z.number().int().positive().default(1024 * 1024),
  maxNodesPerCall: z.number().int().positive().default(10_000),
  headersTimeoutSeconds: seconds.default(10),
  requestTimeoutSeconds: seconds.default(30),
});

export const sshSchema = z.strictObject({
  user: z.string().min(1).default('root'),
  port: z.number().int().min(1).max(65535).default(22),
  privateKeyPath: z.string().default('~/.ssh/id_ed25519'),
  knownHostsPath: z.string().default('~/.ssh/known_hosts'),
  hostKeyChecking: yesNo(['yes', 'accept-new', 'no'] as const).default('yes'),
  /** Parallel SSH connects at most (sshd refuses bursts). */
  concurrency: z.number().int().positive().default(32),
  connectTimeoutSeconds: seconds.default(10),
});

export const nodeSchema = z.strictObject({
  node_id: z.coerce.string().min(1),
  client_id: z.coerce.string().min(1).optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
});

export const stepSchema = z.strictObject({
  name: z.string().min(1),
  run: z.string().min(1),
  verify: z.string().min(1),
  timeoutSeconds: z.number().positive().default(60),
  verifyAttempts: z.number().int().positive().default(5),
  verifyIntervalSeconds: seconds.default(2),
});

export const drainSchema = z.strictObject({
  steps: z.array(stepSchema).default([]),
  /** Drain window when the cluster sends max_wait_time 0 (the node is released at once). */
  bestEffortSeconds: seconds.default(5),
  /** A failed drain: hold the node until the deadline, or release it now. */
  onFailure: z.enum(['hold', 'release']).default('hold'),
});

export const configSchema = z.strictObject({
  endpoint: endpointSchema.prefault({}),
  ssh: sshSchema.prefault({}),
  nodes: z.array(nodeSchema).default([]),
  /** Host of a node learned from a call: `{client_id}` and `{node_id}` are replaced. */
  hostTemplate: z.string().min(1).optional(),
  /** A node named in a call but not configured: adopt it (needs hostTemplate) or report it released. */
  unknownNodes: z.enum(['adopt', 'release']).default('adopt'),
  drain: drainSchema.prefault({}),
  state: z.strictObject({ dir: z.string().default('./state') }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  }).prefault({}),
  /** Log the commands instead of running them. */
  dryRun: z.boolean().default(false),
});

export type AgentConfig = z.infer<typeof configSchema>;
export type NodeConfig = z.infer<typeof nodeSchema>;
export type StepConfig = z.infer<typeof stepSchema>;
