import { ProtoGeniCode, ProtocolError } from './codes.js';

export const DEFAULT_MAX_DEPTH = 32;

/** Member names that could reach an object's prototype if copied by plain assignment. */
const FORBIDDEN_MEMBERS = new Set(['__proto__', 'constructor', 'prototype']);

/** A decoded XML-RPC struct after sanitizing: only own, safe members, no prototype. */
export type SanitizedStruct = { [member: string]: unknown };

export function isStruct(value: unknown): value is SanitizedStruct {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  );
}

interface CopyFrame {
  source: unknown;
  assign: (copy: unknown) => void;
  depth: number;
}

/**
 * Copies decoded params into null-prototype structs and fresh arrays, keeping only own members
 * and dropping `__proto__`/`constructor`/`prototype`. Iterative, so a 100,000-deep document
 * gets a ProtocolError rather than a RangeError; depth counts nested arrays and structs.
 */
export function sanitizeParams(params: readonly unknown[], maxDepth = DEFAULT_MAX_DEPTH): unknown[] {
  const copies: unknown[] = new Array(params.length);
  const stack: CopyFrame[] = params.map((source, index) => ({
    source,
    assign: (copy) => (copies[index] = copy),
    depth: 1,
  }));
  let frame: CopyFrame | undefined;
  while ((frame = stack.pop()) !== undefined) {
    const { source, depth } = frame;
    const isContainer = Array.isArray(source) || isStruct(source);
    if (isContainer && depth > maxDepth) {
      throw new ProtocolError(ProtoGeniCode.BADARGS, 'params', `values nested deeper than ${maxDepth} levels`);
    }
    if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      frame.assign(copy);
      source.forEach((item: unknown, index) =>
        stack.push({ source: item, assign: (c) => (copy[index] = c), depth: depth + 1 }),
      );
    } else if (isStruct(source)) {
      const copy: SanitizedStruct = Object.create(null) as SanitizedStruct;
      frame.assign(copy);
      for (const member of Object.keys(source)) {
        if (FORBIDDEN_MEMBERS.has(member)) continue;
        stack.push({ source: source[member], assign: (c) => (copy[member] = c), depth: depth + 1 });
      }
    } else {
      frame.assign(source);
    }
  }
  return copies;
}
