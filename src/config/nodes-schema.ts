import { z } from 'zod';

export const nodeSchema = z.strictObject({
  node_id: z.coerce.string().min(1),
  client_id: z.coerce.string().min(1).optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
});

const commandSchema = z.strictObject({ command: z.string().trim().min(1) });

/** Seconds between re-reads of the manifest unless the configuration says otherwise. */
export const DEFAULT_MANIFEST_RELOAD_SECONDS = 300;

/**
 * `nodes: { manifest: FILE }` or `{ manifest: { command: "geni-get manifest" } }`: the slice's nodes
 * are read from its manifest RSpec, at start and again on SIGHUP, every `reloadSeconds` (0: never
 * on a timer) and when a call names a node the agent does not know. `exclude` leaves out `self`
 * (the machine the agent runs on) and nodes by client_id or node_id.
 */
export const manifestNodesSchema = z.strictObject({
  manifest: z
    .unknown()
    .transform((value, ctx) =>
      parseAs(typeof value === 'object' && value !== null ? commandSchema : z.string().min(1), value, ctx),
    ),
  exclude: z.array(z.coerce.string().min(1)).default([]),
  reloadSeconds: z.number().nonnegative().default(DEFAULT_MANIFEST_RELOAD_SECONDS),
});

const nodeListSchema = z.array(nodeSchema);

/**
 * A list of nodes, or where to read them: the YAML's shape chooses, so that a mistake is reported
 * against the form the file uses (not as "matches neither").
 */
export const nodesSchema = z.unknown().transform((value, ctx) => {
  if (Array.isArray(value)) return parseAs(nodeListSchema, value, ctx);
  if (typeof value === 'object' && value !== null) return parseAs(manifestNodesSchema, value, ctx);
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: 'expected a list of nodes, or { manifest: FILE } or { manifest: { command: … } }',
  });
  return z.NEVER;
});

function parseAs<T extends z.ZodType>(schema: T, value: unknown, ctx: z.RefinementCtx): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Paths stay relative: zod puts the key being parsed in front.
  for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: value } as never);
  return z.NEVER;
}

export type NodeConfig = z.infer<typeof nodeSchema>;
export type ManifestNodesConfig = z.infer<typeof manifestNodesSchema>;
export type NodesConfig = NodeConfig[] | ManifestNodesConfig;
