import { z } from 'zod';
import { siteOfAuthority, siteOfDomain } from '../node-list/site.js';

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
 * The site whose nodes the agent manages in a manifest that spans several: an authority URN
 * (`urn:publicid:IDN+utah.cloudlab.us+authority+cm`, a component_manager_id) or its domain
 * (`utah.cloudlab.us`); kept as the domain, lowercased.
 */
const siteSchema = z.string().transform((value, ctx) => {
  const text = value.trim();
  const site = text.startsWith('urn:') ? siteOfAuthority(text) : siteOfDomain(text);
  if (site !== null) return site;
  ctx.issues.push({
    code: 'custom',
    input: value,
    message:
      `${JSON.stringify(value)} is not a site: expected the authority URN of the cluster the endpoint is ` +
      'registered with (urn:publicid:IDN+utah.cloudlab.us+authority+cm) or its domain (utah.cloudlab.us)',
  });
  return z.NEVER;
});

/**
 * `nodes: { manifest: FILE }` or `{ manifest: { command: "geni-get manifest" } }`: the slice's nodes
 * are read from its manifest RSpec, at start and again on SIGHUP, every `reloadSeconds` (0: never
 * on a timer) and when a call names a node the agent does not know. `exclude` leaves out `self`
 * (the machine the agent runs on) and nodes by client_id or node_id; `site` names the cluster the
 * endpoint is registered with, whose nodes alone are managed (default: see site-choice.ts).
 */
export const manifestNodesSchema = z.strictObject({
  manifest: z
    .unknown()
    .transform((value, ctx) =>
      parseAs(typeof value === 'object' && value !== null ? commandSchema : z.string().min(1), value, ctx),
    ),
  exclude: z.array(z.coerce.string().min(1)).default([]),
  reloadSeconds: z.number().nonnegative().default(DEFAULT_MANIFEST_RELOAD_SECONDS),
  site: siteSchema.optional(),
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
