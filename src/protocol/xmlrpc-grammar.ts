// The XML-RPC call grammar the call decoder enforces, element by element.

export const Tag = {
  Root: 0,
  MethodCall: 1,
  MethodName: 2,
  Params: 3,
  Param: 4,
  Value: 5,
  Array: 6,
  Data: 7,
  Struct: 8,
  Member: 9,
  Name: 10,
  Nil: 11,
  Int: 12,
  I8: 13,
  Double: 14,
  Boolean: 15,
  String: 16,
  Base64: 17,
  DateTime: 18,
} as const;
export type TagCode = (typeof Tag)[keyof typeof Tag];
export const ROOT: TagCode = Tag.Root;

const ELEMENT_NAMES = [
  '',
  'methodCall',
  'methodName',
  'params',
  'param',
  'value',
  'array',
  'data',
  'struct',
  'member',
  'name',
  'nil',
  'int',
  'i8',
  'double',
  'boolean',
  'string',
  'base64',
  'dateTime.iso8601',
] as const;

const named = (pairs: Array<[string, number]>): Map<string, TagCode> => new Map(pairs as Array<[string, TagCode]>);
const CANONICAL = named([...ELEMENT_NAMES.slice(1).map((name, i): [string, number] => [name, i + 1]), ['i4', Tag.Int]]);
// The xmlrpc package matches tag names after toUpperCase(), so <MethodCall> or <I4> are read too.
const UPPER_CASE = named([...CANONICAL].map(([name, code]): [string, number] => [name.toUpperCase(), code]));

/** A switch, most frequent first: hashing every fresh tag-name string for a Map costs more. */
export function tagOf(name: string): TagCode | undefined {
  switch (name) {
    case 'value':
      return Tag.Value;
    case 'member':
      return Tag.Member;
    case 'name':
      return Tag.Name;
    case 'string':
      return Tag.String;
    case 'i4':
      return Tag.Int;
    case 'int':
      return Tag.Int;
    case 'struct':
      return Tag.Struct;
    case 'data':
      return Tag.Data;
    case 'array':
      return Tag.Array;
    case 'double':
      return Tag.Double;
    default:
      return CANONICAL.get(name) ?? UPPER_CASE.get(name.toUpperCase());
  }
}

export function elementName(code: TagCode): string {
  return ELEMENT_NAMES[code];
}

export function isScalar(code: TagCode): boolean {
  return code >= Tag.Int;
}

/** Elements whose text is their content; every other element holds only elements and white space. */
export function holdsText(code: TagCode): boolean {
  return code === Tag.MethodName || code === Tag.Name || code === Tag.Value || code >= Tag.Int;
}

/** Whether `child` may open inside `parent` after `seen` element children. */
export function allowedChild(parent: TagCode, seen: number, child: TagCode): boolean {
  switch (parent) {
    case Tag.Root:
      return child === Tag.MethodCall;
    case Tag.MethodCall:
      return seen === 0 ? child === Tag.MethodName : seen === 1 && child === Tag.Params;
    case Tag.Params:
      return child === Tag.Param;
    case Tag.Param:
      return seen === 0 && child === Tag.Value;
    case Tag.Value:
      return seen === 0 && (isScalar(child) || child === Tag.Array || child === Tag.Struct || child === Tag.Nil);
    case Tag.Array:
      return seen === 0 && child === Tag.Data;
    case Tag.Data:
      return child === Tag.Value;
    case Tag.Struct:
      return child === Tag.Member;
    case Tag.Member:
      return seen === 0 ? child === Tag.Name : seen === 1 && child === Tag.Value;
    default:
      return false;
  }
}
