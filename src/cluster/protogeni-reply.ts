import { ClusterError } from './cluster-error.js';

/** A ProtoGENI reply as read off the wire: `{code, value, output}`. */
export interface ProtoGeniResult {
  code: number;
  value: unknown;
  output: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A whole number sent as `<int>`, `<i4>`, `<i8>` (a digit string) or untyped text. */
export function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return null;
}

/**
 * Reads a decoded reply leniently: `code` may be an int or the AM-style struct
 * `{geni_code, am_code, am_type}`; `value` defaults to 0 and `output` to ''.
 */
export function readProtoGeniReply(decoded: unknown, method: string): ProtoGeniResult {
  if (!isRecord(decoded) || !('code' in decoded)) {
    throw new ClusterError('CLUSTER_BAD_REPLY', `${method}: the reply is not a {code, value, output} struct`, {
      method,
    });
  }
  const rawCode = isRecord(decoded.code) ? decoded.code.geni_code : decoded.code;
  const code = wholeNumber(rawCode);
  if (code === null)
    throw new ClusterError('CLUSTER_BAD_REPLY', `${method}: the reply's code is not a number`, { method });
  const output = decoded.output;
  return { code, value: decoded.value ?? 0, output: typeof output === 'string' ? output : '' };
}
