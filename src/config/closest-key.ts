import type { z } from 'zod';

type AnySchema = z.core.$ZodType;

/** The object schema under `schema` once defaults, optionals and pipes are unwrapped; null if none. */
function objectShape(schema: AnySchema | undefined): Record<string, AnySchema> | null {
  let current = schema;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema; out?: AnySchema };
    if (def.type === 'object') return (current as unknown as { shape: Record<string, AnySchema> }).shape;
    current = def.innerType ?? (def.type === 'pipe' ? (objectShape(def.out) ? def.out : def.in) : undefined);
  }
  return null;
}

/** The keys the schema knows at `path` (strings only: list items are entered through their element). */
export function knownKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let shape = objectShape(schema);
  for (const part of path) {
    if (shape === null) return [];
    if (typeof part !== 'string') continue;
    const next = shape[part];
    const def = next?._zod.def as { type: string; element?: AnySchema } | undefined;
    shape = def?.type === 'array' ? objectShape(def.element) : objectShape(next);
  }
  return shape === null ? [] : Object.keys(shape);
}

/** Edit distance, ignoring case (YAML keys are often miscased: hostkeychecking). */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= y.length; j += 1)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length]!;
}

/** The known key closest to `unknown`, when it is close enough to be a typo of it. */
export function closestKey(unknown: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of known) {
    const d = distance(unknown, key);
    if (d < bestDistance) [best, bestDistance] = [key, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : null;
}
