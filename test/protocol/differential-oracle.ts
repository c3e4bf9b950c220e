import { execFileSync } from 'node:child_process';
import type { DecodedCall } from '../../src/protocol/call-decoder.js';
import { XmlRpcFaultError } from '../../src/protocol/codes.js';
import { WireDouble, WireInt, type WireValue, wireDouble, wireInt } from '../../src/protocol/envelope.js';
import type { Prng } from '../helpers/prng.js';
import { PYTHON } from '../helpers/python.js';

export type Outcome = { accepted: true; call: DecodedCall } | { accepted: false; code: number; reason: string };

export async function outcomeOf(decode: (body: Buffer) => Promise<DecodedCall>, body: Buffer): Promise<Outcome> {
  try {
    return { accepted: true, call: await decode(body) };
  } catch (error) {
    if (!(error instanceof XmlRpcFaultError)) throw error;
    return { accepted: false, code: error.faultCode, reason: error.message };
  }
}

/**
 * Where the fast decoder refuses a body the xmlrpc package accepted, the reason is one of these
 * known flaws of the reference (sax's "strict" mode and a deserializer that checks no grammar).
 */
export const STRICTER_REFUSALS: ReadonlyArray<[reason: RegExp, flawOfTheReference: string]> = [
  [
    /^XML parse error: /,
    'sax misses well-formedness errors (control characters, "]]>" in text, a malformed XML declaration); expat agrees',
  ],
  [
    /^not an XML-RPC call: <[^>]+> where it cannot stand$/,
    'any element anywhere: a second <methodName> or <params>, a scalar without <value>, <value> before <name>',
  ],
  [
    /^not an XML-RPC call: text (inside|beside) /,
    'text between elements is dropped: `<value>ab<i4>1</i4></value>` reads as 1',
  ],
  [
    /^not an XML-RPC call: expected an integer but got /,
    'parseInt reads a prefix: `<int>0x7fffffff</int>` is 0, `<int>1e309</int>` is 1',
  ],
  [
    /^not an XML-RPC call: expected a double but got /,
    'parseFloat reads a prefix and Infinity: `<double>0x10</double>` is 0',
  ],
  [/^not an XML-RPC call: <array> without <data>$/, '`<array/>` reads as an empty array'],
  [
    /^not an XML-RPC call: <(param|member)> without /,
    'a <param> or <member> missing its parts shifts the values after it',
  ],
];

export const isStricterRefusal = (reason: string): boolean =>
  STRICTER_REFUSALS.some(([pattern]) => pattern.test(reason));

const EXPAT = [
  'import json, sys, xml.parsers.expat as e',
  'def ok(t):',
  '  try: e.ParserCreate().Parse(t, True); return True',
  '  except e.ExpatError: return False',
  'print(json.dumps([ok(t) for t in json.load(sys.stdin)]))',
].join('\n');

/** Whether expat (Python's XML parser) finds each text well-formed: an opinion independent of sax and saxes. */
export function expatWellFormed(texts: readonly string[]): boolean[] {
  if (texts.length === 0) return [];
  const output = execFileSync(PYTHON, ['-c', EXPAT], { input: JSON.stringify(texts), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output.toString()) as boolean[];
}

/**
 * Deep equality without recursion (a fixture nests 100,000 arrays): same types, prototypes, members
 * in the same order, Object.is for scalars, Dates by time (two invalid Dates are equal), Buffers by bytes.
 */
export function sameValue(left: unknown, right: unknown): boolean {
  const pending: Array<[unknown, unknown]> = [[left, right]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [a, b] = pair;
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
      if (!Object.is(a, b)) return false;
    } else if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
      return false;
    } else if (a instanceof Date) {
      if (!Object.is(a.getTime(), (b as Date).getTime())) return false;
    } else if (Buffer.isBuffer(a)) {
      if (!a.equals(b as Buffer)) return false;
    } else {
      const names = Object.keys(a);
      const others = Object.keys(b);
      if (names.length !== others.length || names.some((name, i) => name !== others[i])) return false;
      for (const name of names)
        pending.push([(a as Record<string, unknown>)[name], (b as Record<string, unknown>)[name]]);
    }
  }
  return true;
}

/** XML end-of-line handling (XML 1.0 §2.11), which sax does not do: the reference keeps raw `\r`. */
export function withXmlLineEnds(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\r\n?/g, '\n');
  if (Array.isArray(value)) return value.map(withXmlLineEnds);
  if (typeof value !== 'object' || value === null || value instanceof Date || Buffer.isBuffer(value)) return value;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const [name, member] of Object.entries(value)) copy[withXmlLineEnds(name) as string] = withXmlLineEnds(member);
  return copy;
}

const PIECES = [
  'a',
  'pc101',
  'node-7',
  ' ',
  '<',
  '&',
  '>',
  ']]>',
  '"',
  "'",
  '\r',
  '\n',
  '\t',
  'é',
  '中',
  '😀',
  '\u007f',
  '=',
  ';',
];
const CONTROL = ['\u0001', '\u0008', '\u000b', '\u001f', '\ufffe'];

function text(prng: Prng, control: boolean): string {
  let out = '';
  for (let n = prng.int(0, 6); n > 0; n -= 1) out += prng.pick(PIECES);
  return control && prng.chance(0.05) ? out + prng.pick(CONTROL) : out;
}

/** A reply value of every wire type, strings drawn from what needs escaping (and, rarely, a control character). */
export function randomReplyValue(prng: Prng, depth = 0, control = true): WireValue {
  const kind = prng.int(0, depth > 3 ? 3 : 5);
  if (kind === 0) return wireInt(prng.int(-0x80000000, 0x7fffffff));
  if (kind === 1)
    return wireDouble(
      prng.pick([0, -0, 1, 0.5, 1e21, 1e-7, 123.456, -(2 ** 53)]) * (prng.chance(0.5) ? 1 : prng.next()),
    );
  if (kind === 2) return prng.chance(0.2) ? prng.chance(0.5) : text(prng, control);
  if (kind === 3) return text(prng, control);
  if (kind === 4) return Array.from({ length: prng.int(0, 4) }, () => randomReplyValue(prng, depth + 1, control));
  const struct: Record<string, WireValue> = {};
  for (let n = prng.int(0, 4); n > 0; n -= 1) struct[text(prng, control)] = randomReplyValue(prng, depth + 1, control);
  return struct;
}

/** The strings of a reply value, member names included. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value !== 'object' || value === null || value instanceof WireInt || value instanceof WireDouble) return [];
  return Object.entries(value).flatMap(([name, member]) => [name, ...stringsOf(member)]);
}
