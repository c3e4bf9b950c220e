import { z } from 'zod';
import type { NodeEntry } from './client-methods.js';
import { ProtoGeniCode, ProtocolError } from './codes.js';
import { isStruct, sanitizeParams, DEFAULT_MAX_DEPTH, type SanitizedStruct } from './sanitize-params.js';

export const DEFAULT_MAX_NODES_PER_CALL = 10_000;
const NODE_ID_MAX_CHARS = 256;
const TEXT_MAX_CHARS = 1024;
/** XML-RPC ints are 32-bit; the countdown value is echoed back as one. */
const MAX_WAIT_SECONDS = 0x7fffffff;

export type NodelistMethod = 'SetResourceValues' | 'NotifyDeletePending' | 'NotifyDeleteComplete';

export interface LenientParamsOptions {
  maxDepth?: number;
  maxNodesPerCall?: number;
}

/** What each member must be; errors read `<path>: <expectation>` and never depend on zod's wording. */
const EXPECTATIONS: Record<string, string> = {
  node_id: `expected a non-empty string (or integer) of at most ${NODE_ID_MAX_CHARS} printable characters`,
  client_id: `expected a string of at most ${TEXT_MAX_CHARS} printable characters`,
  component_urn: `expected a string of at most ${TEXT_MAX_CHARS} printable characters`,
  max_wait_time: 'expected a whole number of seconds ≥ 0',
  value: 'expected a number from 0 to 1',
};

// Control characters cannot be echoed back: the XML serializer refuses them.
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
const text = (maxChars: number, minChars = 0) => z.string().min(minChars).max(maxChars).regex(PRINTABLE);

// The Perl encoder guesses types from text: all-digit ids arrive as <i4>, numbers as untyped strings.
const nodeIdText = z.union([z.string(), z.number().int()]).transform(String).pipe(text(NODE_ID_MAX_CHARS, 1));
const clientIdText = z.union([z.string(), z.number()]).transform(String).pipe(text(TEXT_MAX_CHARS));

const wholeSeconds = z
  .union([z.number(), z.string().trim().regex(/^\d{1,15}$/).transform(Number)])
  .pipe(z.number().int().min(0).max(MAX_WAIT_SECONDS));

const fraction = z
  .union([z.number(), z.string().trim().regex(/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).transform(Number)])
  .pipe(z.number().min(0).max(1));

const struct = z.custom<SanitizedStruct>(isStruct);

const entryBase = {
  node_id: nodeIdText,
  client_id: clientIdText.optional(),
  component_urn: text(TEXT_MAX_CHARS).optional(),
};

const entrySchemas = {
  // A node the cluster sends without a value counts as 1.0 (protocol.md §2).
  SetResourceValues: struct.pipe(z.object({ ...entryBase, value: fraction.default(1) })),
  NotifyDeletePending: struct.pipe(z.object({ ...entryBase, max_wait_time: wholeSeconds })),
  NotifyDeleteComplete: struct.pipe(z.object({ ...entryBase, max_wait_time: wholeSeconds.optional() })),
} satisfies Record<NodelistMethod, z.ZodType>;

/**
 * Sanitizes and validates the params of a nodelist method: one struct with a `nodelist` array of
 * entry structs. Unknown members are dropped. Throws ProtocolError (BADARGS, TOOBIG) naming the field.
 */
export function decodeNodelist(
  method: NodelistMethod,
  params: readonly unknown[],
  options: LenientParamsOptions = {},
): NodeEntry[] {
  const { maxDepth = DEFAULT_MAX_DEPTH, maxNodesPerCall = DEFAULT_MAX_NODES_PER_CALL } = options;
  const [first] = sanitizeParams(params, maxDepth);
  if (params.length > 1) throw badArgs('params', 'expected a single struct argument');
  if (first !== undefined && !isStruct(first)) throw badArgs('params', 'expected a struct argument');
  const nodelist = first?.['nodelist'];
  if (nodelist === undefined) throw badArgs('nodelist', 'missing, expected an array of node structs');
  if (!Array.isArray(nodelist)) throw badArgs('nodelist', 'expected an array of node structs');
  if (nodelist.length > maxNodesPerCall) {
    throw new ProtocolError(
      ProtoGeniCode.TOOBIG,
      'nodelist',
      `at most ${maxNodesPerCall} nodes per call, got ${nodelist.length}`,
    );
  }
  const parsed = z.array(entrySchemas[method]).safeParse(nodelist);
  if (parsed.success) return parsed.data.map(withoutUndefined);
  const issue = parsed.error.issues[0];
  throw describeIssue(nodelist, issue?.path ?? []);
}

function badArgs(field: string, expectation: string): ProtocolError {
  return new ProtocolError(ProtoGeniCode.BADARGS, field, expectation);
}

function describeIssue(nodelist: unknown[], path: readonly PropertyKey[]): ProtocolError {
  const [index, member] = path;
  if (typeof index !== 'number') return badArgs('nodelist', 'expected an array of node structs');
  const entryPath = `nodelist[${index}]`;
  const entry = nodelist[index];
  if (typeof member !== 'string' || !isStruct(entry)) return badArgs(entryPath, 'expected a struct');
  const expectation = EXPECTATIONS[member] ?? 'invalid';
  const missing = !Object.hasOwn(entry, member);
  return badArgs(`${entryPath}.${member}`, missing ? `missing, ${expectation}` : expectation);
}

/** zod leaves absent optional members as absent, but be explicit: NodeEntry has no undefined values. */
function withoutUndefined(entry: Record<string, unknown>): NodeEntry {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (value !== undefined) result[key] = value;
  return result as unknown as NodeEntry;
}
