import { ProtocolError, ProtoGeniCode } from './codes.js';

export const DEFAULT_MAX_DEPTH = 32;

/** A decoded XML-RPC struct: members are read with Object.hasOwn only, never copied wholesale. */
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

/** How deep the decoder that built a params array saw arrays and structs nest (see noteNesting). */
const measuredDepth = new WeakMap<readonly unknown[], number>();

/**
 * Told by a decoder: the deepest array or struct in `params` is `depth` levels down (a param
 * itself is level 1), so checkNesting need not walk them again. It counts every container in the
 * document, one whose member a later duplicate name replaced included.
 */
export function noteNesting(params: readonly unknown[], depth: number): void {
  measuredDepth.set(params, depth);
}

/**
 * Refuses params nested deeper than `maxDepth` (arrays and structs count) with BADARGS naming
 * `params`. Iterative, so a 100,000-deep document gets a ProtocolError rather than a RangeError.
 */
export function checkNesting(params: readonly unknown[], maxDepth = DEFAULT_MAX_DEPTH): void {
  const measured = measuredDepth.get(params);
  if (measured !== undefined) {
    if (measured > maxDepth) throw tooDeep(maxDepth);
    return;
  }
  const values: unknown[] = [...params];
  const depths: number[] = params.map(() => 1);
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() as number;
    const isArray = Array.isArray(value);
    if (!isArray && !isStruct(value)) continue;
    if (depth > maxDepth) throw tooDeep(maxDepth);
    if (isArray) {
      for (const item of value as unknown[]) {
        if (typeof item !== 'object' || item === null) continue;
        values.push(item);
        depths.push(depth + 1);
      }
    } else {
      for (const member in value as SanitizedStruct) {
        if (!Object.hasOwn(value as SanitizedStruct, member)) continue;
        const item = (value as SanitizedStruct)[member];
        if (typeof item !== 'object' || item === null) continue;
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
}

const tooDeep = (maxDepth: number): ProtocolError =>
  new ProtocolError(ProtoGeniCode.BADARGS, 'params', `values nested deeper than ${maxDepth} levels`);
