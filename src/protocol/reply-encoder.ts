import { WireDouble, WireInt, type WireValue } from './envelope.js';

// What the xmlrpc package's serializer (xmlbuilder) writes, byte for byte, except that a string
// holding `<` or `&` is escaped rather than put in a CDATA section (xmlbuilder splits only the
// first `]]>` of one, and a CDATA section loses a `\r` to line-end normalization).

const DECLARATION = '<?xml version="1.0"?>';
// Characters XML 1.0 cannot carry; lone surrogates pass, as xmlbuilder's allowSurrogateChars lets them.
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NEEDS_ESCAPE = /[&<>\r]/;
// Either of the above: the common string has neither, and one test says so.
const SPECIAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF&<>\r]/;
/** Member names repeat in every entry of a nodelist: their markup is built once. */
const nameMarkup = new Map<string, string>();
const NAME_CACHE_LIMIT = 256;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };

/** A reply string that XML 1.0 cannot carry (a control character): the reply cannot be sent. */
export class UnencodableTextError extends Error {
  override readonly name = 'UnencodableTextError';
  readonly code = 'XMLRPC_UNENCODABLE_TEXT';
}

/** Whether a reply can carry `text` (as a string or a member name): XML 1.0 cannot carry most control characters. */
export const encodableText = (text: string): boolean => !ILLEGAL.test(text);

/** Throws for a bare number or a string XML cannot carry (a control character). */
export function encodeResponse(value: WireValue): string {
  return `${DECLARATION}<methodResponse><params><param>${valueXml(value)}</param></params></methodResponse>`;
}

export function encodeFault(code: number, message: string): string {
  const fault = { faultCode: new WireInt(code), faultString: message };
  return `${DECLARATION}<methodResponse><fault>${valueXml(fault)}</fault></methodResponse>`;
}

/** Every number must be a WireInt or WireDouble, as for the reference serializer. */
function valueXml(value: WireValue): string {
  if (typeof value === 'string')
    return value === '' ? '<value><string/></value>' : `<value><string>${escaped(value)}</string></value>`;
  if (value instanceof WireInt) return `<value><int>${value.value}</int></value>`;
  if (value instanceof WireDouble) return `<value><double>${doubleText(value.value)}</double></value>`;
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '<value><array><data/></array></value>';
    let items = '';
    for (const item of value as readonly WireValue[]) items += valueXml(item);
    return `<value><array><data>${items}</data></array></value>`;
  }
  if (typeof value === 'object' && value !== null) {
    let members = '';
    for (const name in value) {
      if (!Object.hasOwn(value, name)) continue;
      members += `<member>${memberName(name)}${valueXml((value as Record<string, WireValue>)[name] as WireValue)}</member>`;
    }
    return members === '' ? '<value><struct/></value>' : `<value><struct>${members}</struct></value>`;
  }
  throw new TypeError(`reply value of type ${typeof value} has no explicit XML-RPC type`);
}

function doubleText(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

function memberName(name: string): string {
  let markup = nameMarkup.get(name);
  if (markup === undefined) {
    markup = name === '' ? '<name/>' : `<name>${escaped(name)}</name>`;
    if (nameMarkup.size < NAME_CACHE_LIMIT) nameMarkup.set(name, markup);
  }
  return markup;
}

function escaped(text: string): string {
  if (!SPECIAL.test(text)) return text;
  if (ILLEGAL.test(text)) throw new UnencodableTextError('reply text holds a character XML 1.0 cannot carry');
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>\r]/g, (char) => ESCAPES[char] as string) : text;
}
