/** Member names whose values never reach a log line, at any depth up to MAX_DEPTH. */
export const SECRET_MEMBERS: ReadonlySet<string> = new Set([
  'privateKey',
  'passphrase',
  'token',
  'password',
  'credentials',
  'authorization',
  'cookie',
  'secret',
]);
/** `tls.key` holds a private key's PEM; `key` elsewhere (a node's key path, a map key) is kept. */
const SECRET_UNDER: ReadonlyMap<string, string> = new Map([['tls', 'key']]);
export const CENSOR = '[redacted]';
/** Deeper values are logged as they are: log objects are shallow, and this bounds a cyclic one. */
const MAX_DEPTH = 6;

/**
 * The object with every secret member's value replaced by CENSOR. Copies only the objects on the
 * way to a secret (keeping each copy's prototype, so an Error stays an Error for pino's serializer)
 * and returns the very same object when there is none: the common case costs one walk.
 */
export function redactSecrets<T>(value: T): T {
  return redactBelow(value, undefined, 0) as T;
}

function redactBelow(value: unknown, parentKey: string | undefined, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (
    Buffer.isBuffer(value) ||
    value instanceof Date ||
    ArrayBuffer.isView(value) ||
    value instanceof Map ||
    value instanceof Set
  )
    return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactBelow(item, parentKey, depth + 1);
      if (redacted !== item) (copy ??= [...value])[i] = redacted;
    }
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  const keyUnderParent = parentKey === undefined ? undefined : SECRET_UNDER.get(parentKey);
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const member = object[key];
    const redacted = SECRET_MEMBERS.has(key) || key === keyUnderParent ? CENSOR : redactBelow(member, key, depth + 1);
    if (redacted !== member)
      Object.defineProperty((copy ??= cloneOf(object)), key, {
        value: redacted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy ?? value;
}

/**
 * A shallow copy with the same prototype and properties (an Error's message and stack included), each one replaceable.
 */
function cloneOf(object: Record<string, unknown>): Record<string, unknown> {
  const descriptors = Object.getOwnPropertyDescriptors(object);
  for (const descriptor of Object.values(descriptors)) {
    descriptor.configurable = true;
    if ('value' in descriptor) descriptor.writable = true;
  }
  return Object.create(Object.getPrototypeOf(object) as object | null, descriptors) as Record<string, unknown>;
}
