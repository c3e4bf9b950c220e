/** An XML-RPC value as written on the wire, so a mutation can give it any type or shape. */
export type Scalar =
  | 'int'
  | 'i4'
  | 'i8'
  | 'double'
  | 'string'
  | 'untyped'
  | 'boolean'
  | 'base64'
  | 'dateTime.iso8601'
  | 'nil';
export type WireTree =
  | { kind: 'scalar'; type: Scalar; text: string }
  | { kind: 'array'; items: WireTree[] }
  | { kind: 'struct'; members: Array<[name: string, value: WireTree]> }
  /** Already encoded: deep nesting is built as text, since a recursive encoder would overflow. */
  | { kind: 'raw'; xml: string };

export interface WireCall {
  method: string;
  params: WireTree[];
}

export const scalar = (type: Scalar, text: string): WireTree => ({ kind: 'scalar', type, text });
export const struct = (members: Array<[string, WireTree]>): WireTree => ({ kind: 'struct', members });
export const array = (items: WireTree[]): WireTree => ({ kind: 'array', items });

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function encodeTree(tree: WireTree): string {
  switch (tree.kind) {
    case 'raw':
      return tree.xml;
    case 'scalar':
      if (tree.type === 'nil') return '<value><nil/></value>';
      if (tree.type === 'untyped') return `<value>${escapeXml(tree.text)}</value>`;
      return `<value><${tree.type}>${escapeXml(tree.text)}</${tree.type}></value>`;
    case 'array':
      return `<value><array><data>${tree.items.map(encodeTree).join('')}</data></array></value>`;
    case 'struct':
      return `<value><struct>${tree.members
        .map(([name, value]) => `<member><name>${escapeXml(name)}</name>${encodeTree(value)}</member>`)
        .join('')}</struct></value>`;
  }
}

export function encodeCall(call: WireCall): string {
  const params = call.params.map((param) => `<param>${encodeTree(param)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(call.method)}</methodName><params>${params}</params></methodCall>\n`;
}

/** Every value node of a call with a function that replaces it in place. */
export function valueSlots(call: WireCall): Array<{ value: WireTree; replace: (next: WireTree) => void }> {
  const slots: Array<{ value: WireTree; replace: (next: WireTree) => void }> = [];
  const visit = (value: WireTree, replace: (next: WireTree) => void): void => {
    slots.push({ value, replace });
    if (value.kind === 'array')
      for (const [i, item] of value.items.entries()) visit(item, (next) => (value.items[i] = next));
    if (value.kind === 'struct')
      for (const [i, member] of value.members.entries()) {
        visit(member[1], (next) => (value.members[i] = [member[0], next]));
      }
  };
  for (const [i, param] of call.params.entries()) visit(param, (next) => (call.params[i] = next));
  return slots;
}
