import { cameAsDouble } from './decoded-types.js';
import { WireDouble, WireInt, type WireValue } from './envelope.js';
import { isStruct, type SanitizedStruct } from './params-shape.js';
import { encodableText } from './reply-encoder.js';

/** Told of each part of a value that no reply can carry as it came, at `path` (`nodelist[2].notes[0]`). */
export type LeftOut = (path: string, reason: string) => void;

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const PLAIN_NAME = /^[A-Za-z_][\w-]{0,39}$/;
const NAME_MAX_CHARS = 40;
const PATH_MAX_CHARS = 160;

/**
 * Decoded values written back as they came: strings, booleans, arrays and structs as they are (a
 * struct's members in their order, inherited ones never read); a number as `<int>` unless it came
 * as a `<double>` (decoded-types.ts) or has no 32-bit int form. What a reply cannot carry (nil,
 * base64 and dateTime values, text with a character XML 1.0 refuses, an infinite number) is left
 * out, and `leftOut` told. Recursion is bounded by the depth check every call passes first.
 */
export class Echo {
  /** The keys from the root to the value being written, for the path of what is left out. */
  private readonly at: Array<string | number> = [];

  constructor(
    private readonly root: string,
    private readonly leftOut: LeftOut,
  ) {}

  /** `parent[key]` as it came; undefined when the reply cannot carry it (`leftOut` is then told). */
  value(parent: object, key: string | number): WireValue | undefined {
    this.at.push(key);
    const echoed = this.here(parent, key);
    this.at.pop();
    return echoed;
  }

  /** The struct found under `key`, as a record the caller may still change (a member keeps its place). */
  struct(key: string | number, struct: SanitizedStruct): Record<string, WireValue> {
    this.at.push(key);
    const echoed = this.members(struct);
    this.at.pop();
    return echoed;
  }

  private here(parent: object, key: string | number): WireValue | undefined {
    const value: unknown = (parent as Record<string | number, unknown>)[key];
    if (typeof value === 'string') return encodableText(value) ? value : this.leave('text XML 1.0 cannot carry');
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!cameAsDouble(parent, key) && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX)
        return new WireInt(value);
      return Number.isFinite(value) ? new WireDouble(value) : this.leave('a number XML-RPC cannot carry');
    }
    if (Array.isArray(value)) {
      const items: WireValue[] = [];
      for (let index = 0; index < value.length; index++) {
        const item = this.value(value, index);
        if (item !== undefined) items.push(item);
      }
      return items;
    }
    if (isStruct(value)) return this.members(value);
    return this.leave(unsupported(value));
  }

  private members(struct: SanitizedStruct): Record<string, WireValue> {
    const echoed: Record<string, WireValue> = {};
    for (const name in struct) {
      if (!Object.hasOwn(struct, name)) continue;
      if (!encodableText(name)) {
        this.at.push(name);
        this.leave('a member name XML 1.0 cannot carry');
        this.at.pop();
        continue;
      }
      const member = this.value(struct, name);
      if (member === undefined) continue;
      // Defined, not assigned: a member named `__proto__` is written back as a member and never sets a prototype.
      if (name === '__proto__')
        Object.defineProperty(echoed, name, { value: member, enumerable: true, writable: true, configurable: true });
      else echoed[name] = member;
    }
    return echoed;
  }

  private leave(reason: string): undefined {
    let path = this.root;
    for (const key of this.at) path += typeof key === 'number' ? `[${key}]` : memberPath(key);
    this.leftOut(path.length > PATH_MAX_CHARS ? `${path.slice(0, PATH_MAX_CHARS)}…` : path, reason);
    return undefined;
  }
}

function unsupported(value: unknown): string {
  if (value === null) return 'a nil value, which replies never carry';
  if (Buffer.isBuffer(value)) return 'a base64 value, which replies do not carry';
  if (value instanceof Date) return 'a dateTime.iso8601 value, which replies do not carry';
  return 'not an XML-RPC value';
}

/** `.name`, or `["…"]` with every character outside printable ASCII escaped (the name may be what XML cannot carry). */
function memberPath(name: string): string {
  if (PLAIN_NAME.test(name)) return `.${name}`;
  const escaped = name
    .slice(0, NAME_MAX_CHARS)
    .replace(/[^\x20-\x7e]|["\\]/g, (char) =>
      char === '"' || char === '\\' ? `\\${char}` : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  return `["${escaped}${name.length > NAME_MAX_CHARS ? '…' : ''}"]`;
}
