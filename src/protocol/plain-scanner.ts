import { tagOf } from './xmlrpc-grammar.js';

/** What the scanner reports, in document order (the call decoder's CallDecoder). */
export interface XmlEventSink {
  open(name: string): void;
  close(): void;
  /** The text `source.slice(start, end)`: the sink slices it only if it keeps it. */
  text(source: string, start: number, end: number): void;
  /**
   * A whole `<member>` in the form callers write — `<name>` text, then a `<value>` holding its text
   * or one scalar element (`type`) holding it, no white space between the tags, no `&`, `]` or `<`
   * in the texts — read in one step instead of as its ten events. Returns false when the sink wants
   * the events instead (nothing was consumed then).
   */
  member?(name: string, type: string | undefined, value: string): boolean;
}

// The XML declaration as callers write it; anything else in a prolog (BOM, DOCTYPE, comments) is left to saxes.
const XML_DECLARATION =
  /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/;
// Characters XML forbids, or a \r (its line-end normalization is saxes's work); any surrogate is looked at twice.
const SUSPECT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\r\ufffe\uffff\ud800-\udfff]/;
const OUTSIDE_PLAIN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\r\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// What XmlEventSink.member reads; a text without `]` can hold no `]]>`, which XML forbids in text.
const PLAIN_MEMBER =
  /<member><name>([^<&\]]*)<\/name><value>(?:([^<&\]]*)<\/value>|<(string|i4|int|double|boolean)>([^<&\]]*)<\/\3><\/value>)<\/member>/y;
const ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * Reads the plain XML that XML-RPC callers send — elements without attributes, named by the
 * XML-RPC grammar, text with the five predefined entities — with indexOf instead of a character
 * state machine. Returns false, having perhaps reported some events, as soon as the document uses
 * anything else (attributes, comments, CDATA, character references, processing instructions, a
 * DOCTYPE, \r, a name outside the grammar) or is not well-formed: the caller then decodes it again
 * with saxes, which decides. A document it accepts is well-formed XML that saxes reads to the
 * same events.
 */
export function scanPlainXml(text: string, sink: XmlEventSink): boolean {
  if (SUSPECT.test(text) && OUTSIDE_PLAIN.test(text)) return false;
  let at = 0;
  if (text.startsWith('<?')) {
    const declaration = XML_DECLARATION.exec(text);
    if (declaration === null) return false;
    at = declaration[0].length;
  }
  const open: string[] = [];
  let rootSeen = false;
  // Where the next `&` and `]]>` are, looked up again only once passed: one scan of the text each.
  let ampersand = -2;
  let sectionEnd = -2;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const end = lt === -1 ? text.length : lt;
    if (end > at) {
      if (open.length === 0) {
        if (!isWhitespace(text, at, end)) return false;
      } else {
        if (sectionEnd < at && sectionEnd !== -1) sectionEnd = text.indexOf(']]>', at);
        if (sectionEnd !== -1 && sectionEnd < end) return false;
        if (ampersand < at && ampersand !== -1) ampersand = text.indexOf('&', at);
        if (ampersand !== -1 && ampersand < end) {
          const decoded = withEntities(text.slice(at, end));
          if (decoded === null) return false;
          sink.text(decoded, 0, decoded.length);
        } else {
          sink.text(text, at, end);
        }
      }
    }
    if (lt === -1) break;
    if (sink.member !== undefined && text.startsWith('<member>', lt)) {
      PLAIN_MEMBER.lastIndex = lt;
      const member = PLAIN_MEMBER.exec(text);
      if (member !== null && sink.member(member[1]!, member[3], member[2] ?? member[4]!)) {
        at = PLAIN_MEMBER.lastIndex;
        continue;
      }
    }
    const gt = text.indexOf('>', lt + 1);
    if (gt === -1) return false;
    at = gt + 1;
    if (text.charCodeAt(lt + 1) === 0x2f /* / */) {
      const name = trimEnd(text.slice(lt + 2, gt));
      if (open.pop() !== name) return false;
      sink.close();
      continue;
    }
    const selfClosing = text.charCodeAt(gt - 1) === 0x2f && gt - 1 > lt;
    const name = trimEnd(text.slice(lt + 1, selfClosing ? gt - 1 : gt));
    if (tagOf(name) === undefined || (open.length === 0 && rootSeen)) return false;
    rootSeen = true;
    sink.open(name);
    if (selfClosing) sink.close();
    else open.push(name);
  }
  return rootSeen && open.length === 0;
}

/** Whether text[start, end) is only XML whitespace (no \r here: it was declined). */
function isWhitespace(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x09) return false;
  }
  return true;
}

/** The tag name before optional trailing whitespace; a name with whitespace inside stays invalid. */
function trimEnd(name: string): string {
  let end = name.length;
  while (
    end > 0 &&
    (name.charCodeAt(end - 1) === 0x20 || name.charCodeAt(end - 1) === 0x09 || name.charCodeAt(end - 1) === 0x0a)
  )
    end -= 1;
  return end === name.length ? name : name.slice(0, end);
}

/** Text with `&lt;`-style entities replaced; null for anything else after an `&`. */
function withEntities(segment: string): string | null {
  let out = '';
  let from = 0;
  let amp: number;
  while ((amp = segment.indexOf('&', from)) !== -1) {
    const semicolon = segment.indexOf(';', amp);
    const entity = semicolon === -1 ? undefined : ENTITIES.get(segment.slice(amp + 1, semicolon));
    if (entity === undefined) return null;
    out += segment.slice(from, amp) + entity;
    from = semicolon + 1;
  }
  return out + segment.slice(from);
}
