import { SaxesParser } from 'saxes';
import { CallDecoder, type DecodedCall } from './call-builder.js';
import { XmlRpcFaultCode, XmlRpcFaultError } from './codes.js';
import { refuseDocumentType, requireEnding } from './document-guards.js';
import { scanPlainXml } from './plain-scanner.js';

const METHOD_CALL_END = /<\/methodCall\s*>$/i;

/**
 * Decodes an XML-RPC methodCall. Structs come back with a null prototype, so a member named
 * `__proto__` is an ordinary member. `<i8>` values arrive as digit strings. Rejects with
 * XmlRpcFaultError: -32700 for unreadable XML, -32600 for XML that is not an XML-RPC call.
 */
export async function decodeMethodCall(body: Buffer): Promise<DecodedCall> {
  return decodeCallText(callText(body));
}

/** The body as text, once it passes the checks every decoder of calls needs first. */
export function callText(body: Buffer): string {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'empty request body');
  refuseDocumentType(text);
  // Besides the strict parser: a cut-off body must never pass for a call (stock sax auto-closes).
  requireEnding(text, METHOD_CALL_END, '</methodCall>');
  return text;
}

/**
 * Decodes a methodCall in one pass, checking the XML-RPC grammar as it goes. Values are those of
 * the xmlrpc package's deserializer (structs without a prototype, `<i8>` as a digit string).
 * Throws XmlRpcFaultError: -32700 when the text is not well-formed XML, wherever the flaw is;
 * otherwise -32600 when it is not an XML-RPC call. Plain documents (what callers send) are read by
 * the indexOf scanner; anything else by saxes, which has the last word on XML.
 */
export function decodeCallText(text: string): DecodedCall {
  const plain = new CallDecoder();
  if (scanPlainXml(text, plain)) return plain.result();
  return decodeCallTextWithSaxes(text);
}

/** decodeCallText on saxes alone, for every document: the scanner is checked against it. */
export function decodeCallTextWithSaxes(text: string): DecodedCall {
  const decoder = new CallDecoder();
  const parser = new SaxesParser({ position: false });
  parser.on('opentag', (tag) => decoder.open(tag.name));
  parser.on('closetag', () => decoder.close());
  parser.on('text', (chunk) => decoder.text(chunk, 0, chunk.length));
  parser.on('cdata', (chunk) => decoder.text(chunk, 0, chunk.length));
  try {
    parser.write(text).close();
  } catch (error) {
    // With no error handler set, saxes throws at its first well-formedness error.
    const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
    throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, `XML parse error: ${reason}`);
  }
  return decoder.result();
}

export type { DecodedCall };
