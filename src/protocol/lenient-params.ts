import type { NodeEntry } from './client-methods.js';
import { ProtocolError, ProtoGeniCode } from './codes.js';
import { checkNesting, DEFAULT_MAX_DEPTH, isStruct, type SanitizedStruct } from './params-shape.js';

export const DEFAULT_MAX_NODES_PER_CALL = 10_000;
const NODE_ID_MAX_CHARS = 256;
const TEXT_MAX_CHARS = 1024;
/** The longest wait an XML-RPC int (32 bits) can carry. */
const MAX_WAIT_SECONDS = 0x7fffffff;

export type NodelistMethod = 'SetResourceValues' | 'NotifyDeletePending' | 'NotifyDeleteComplete';

export interface LenientParamsOptions {
  maxDepth?: number;
  maxNodesPerCall?: number;
}

/** What each member must be; errors read `<path>: <expectation>`. */
const EXPECTATIONS = {
  node_id: `expected a non-empty string (or integer) of at most ${NODE_ID_MAX_CHARS} printable characters`,
  client_id: `expected a string of at most ${TEXT_MAX_CHARS} printable characters`,
  component_urn: `expected a string of at most ${TEXT_MAX_CHARS} printable characters`,
  max_wait_time: 'expected a whole number of seconds ≥ 0',
  value: 'expected a number from 0 to 1',
} as const;
type Member = keyof typeof EXPECTATIONS;

// Control characters cannot be echoed back: the XML serializer refuses them.
const CONTROL = /[\u0000-\u001f\u007f]/;
const WHOLE = /^-?\d{1,15}$/;
const DECIMAL = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Thrown inside one entry, turned into BADARGS naming `nodelist[i].<member>`. */
class MemberError {
  constructor(
    readonly member: Member,
    readonly missing: boolean,
  ) {}
}

const own = (entry: SanitizedStruct, member: Member): unknown =>
  Object.hasOwn(entry, member) ? entry[member] : undefined;

function printable(text: string, member: Member, minChars: number, maxChars: number): string {
  if (text.length < minChars || text.length > maxChars || CONTROL.test(text)) throw new MemberError(member, false);
  return text;
}

// The Perl encoder guesses types from text: all-digit ids arrive as <i4>, numbers as untyped strings.
function nodeIdOf(entry: SanitizedStruct): string {
  const value = own(entry, 'node_id');
  if (value === undefined) throw new MemberError('node_id', true);
  if (typeof value === 'number' && Number.isSafeInteger(value))
    return printable(String(value), 'node_id', 1, NODE_ID_MAX_CHARS);
  if (typeof value !== 'string') throw new MemberError('node_id', false);
  return printable(value, 'node_id', 1, NODE_ID_MAX_CHARS);
}

function optionalText(entry: SanitizedStruct, member: 'client_id' | 'component_urn'): string | undefined {
  const value = own(entry, member);
  if (value === undefined) return undefined;
  // A client_id may arrive as a number (the Perl encoder's guess); a URN never does.
  if (member === 'client_id' && typeof value === 'number' && Number.isFinite(value))
    return printable(String(value), member, 0, TEXT_MAX_CHARS);
  if (typeof value !== 'string') throw new MemberError(member, false);
  return printable(value, member, 0, TEXT_MAX_CHARS);
}

function wholeSecondsOf(entry: SanitizedStruct, required: boolean): number | undefined {
  const value = own(entry, 'max_wait_time');
  if (value === undefined) {
    if (required) throw new MemberError('max_wait_time', true);
    return undefined;
  }
  const seconds = typeof value === 'string' && WHOLE.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds > MAX_WAIT_SECONDS) {
    throw new MemberError('max_wait_time', false);
  }
  // A countdown that overshot: the cluster cannot wait any longer (protocol.md §2, assumed).
  return Math.max(0, seconds);
}

/** A node the cluster sends without a value counts as 1.0 (protocol.md §2). */
function fractionOf(entry: SanitizedStruct): number {
  const value = own(entry, 'value');
  if (value === undefined) return 1;
  const number = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !(number >= 0 && number <= 1)) throw new MemberError('value', false);
  return number;
}

/** One entry, members in a fixed order; unknown members are dropped, inherited ones never read. */
function entryOf(method: NodelistMethod, entry: SanitizedStruct): NodeEntry {
  const result: NodeEntry = { node_id: nodeIdOf(entry) };
  const clientId = optionalText(entry, 'client_id');
  if (clientId !== undefined) result.client_id = clientId;
  const urn = optionalText(entry, 'component_urn');
  if (urn !== undefined) result.component_urn = urn;
  if (method === 'SetResourceValues') result.value = fractionOf(entry);
  else {
    const seconds = wholeSecondsOf(entry, method === 'NotifyDeletePending');
    if (seconds !== undefined) result.max_wait_time = seconds;
  }
  return result;
}

/** What could be read of one countdown entry: its node, or why not (`nodelist[i].<member>: <expectation>`). */
export type CountdownEntry =
  | { readonly node: NodeEntry; readonly problem?: undefined }
  | { readonly node?: undefined; readonly problem: string };

/** A NotifyDeletePending call read entry by entry. */
export interface Countdown {
  /** The entries as they came, for the echo. */
  readonly nodelist: readonly unknown[];
  /** Entry for entry, what could be read. */
  readonly entries: readonly CountdownEntry[];
  /** The nodes of the entries that could be read, in order: all the agent is told. */
  readonly nodes: NodeEntry[];
}

/**
 * Validates the params of a nodelist method: one struct with a `nodelist` array of entry structs.
 * Unknown members are dropped; only own members are read. Throws ProtocolError (BADARGS, TOOBIG)
 * naming the field, for the first entry and member (in the order above) that is wrong. The
 * endpoint reads NotifyDeletePending with decodeCountdown instead, entry by entry.
 */
export function decodeNodelist(
  method: NodelistMethod,
  params: readonly unknown[],
  options: LenientParamsOptions = {},
): NodeEntry[] {
  const nodelist = nodelistOf(params, options);
  const entries: NodeEntry[] = new Array(nodelist.length);
  for (let index = 0; index < nodelist.length; index++) entries[index] = readEntry(method, nodelist[index], index);
  return entries;
}

/**
 * A NotifyDeletePending call read entry by entry: an entry that cannot be read is named in its
 * `problem` and reaches no node. Only the call's envelope (params, nodelist, size, depth) refuses
 * the whole call, with ProtocolError as in decodeNodelist.
 */
export function decodeCountdown(params: readonly unknown[], options: LenientParamsOptions = {}): Countdown {
  const nodelist = nodelistOf(params, options);
  const entries: CountdownEntry[] = new Array(nodelist.length);
  const nodes: NodeEntry[] = [];
  for (let index = 0; index < nodelist.length; index++) {
    try {
      const node = readEntry('NotifyDeletePending', nodelist[index], index);
      entries[index] = { node };
      nodes.push(node);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      entries[index] = { problem: error.message };
    }
  }
  return { nodelist, entries, nodes };
}

/** The `nodelist` array of a call's params, once the envelope is checked. */
function nodelistOf(params: readonly unknown[], options: LenientParamsOptions): readonly unknown[] {
  const { maxDepth = DEFAULT_MAX_DEPTH, maxNodesPerCall = DEFAULT_MAX_NODES_PER_CALL } = options;
  checkNesting(params, maxDepth);
  const [first] = params;
  if (params.length > 1) throw badArgs('params', 'expected a single struct argument');
  if (first !== undefined && !isStruct(first)) throw badArgs('params', 'expected a struct argument');
  const nodelist = first !== undefined && Object.hasOwn(first, 'nodelist') ? first.nodelist : undefined;
  if (nodelist === undefined) throw badArgs('nodelist', 'missing, expected an array of node structs');
  if (!Array.isArray(nodelist)) throw badArgs('nodelist', 'expected an array of node structs');
  if (nodelist.length > maxNodesPerCall) {
    throw new ProtocolError(
      ProtoGeniCode.TOOBIG,
      'nodelist',
      `at most ${maxNodesPerCall} nodes per call, got ${nodelist.length}`,
    );
  }
  return nodelist;
}

/** One entry of the nodelist, or BADARGS naming `nodelist[index]` and the member that is wrong. */
function readEntry(method: NodelistMethod, entry: unknown, index: number): NodeEntry {
  if (!isStruct(entry)) throw badArgs(`nodelist[${index}]`, 'expected a struct');
  try {
    return entryOf(method, entry);
  } catch (error) {
    if (!(error instanceof MemberError)) throw error;
    const expectation = EXPECTATIONS[error.member];
    throw badArgs(`nodelist[${index}].${error.member}`, error.missing ? `missing, ${expectation}` : expectation);
  }
}

function badArgs(field: string, expectation: string): ProtocolError {
  return new ProtocolError(ProtoGeniCode.BADARGS, field, expectation);
}
