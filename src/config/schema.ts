import { z } from 'zod';
import { clusterSchema } from './cluster-schema.js';
import { drainSchema } from './drain-schema.js';
import { endpointSchema } from './endpoint-schema.js';
import { nodesSchema } from './nodes-schema.js';
import { statusSchema, webhooksSchema } from './observe-schema.js';
import { sshSchema } from './ssh-schema.js';

export { endpointSchema, sshSchema };

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
      /**
       * json: one JSON object a line (for journald, files, log shippers); pretty: coloured lines for a
       * person; auto: pretty on a terminal, JSON anywhere else (a pipe, a file, systemd).
       */
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
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
