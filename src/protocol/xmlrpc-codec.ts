// The only module that loads the xmlrpc package: its codec, never its server (libraries.md).
import { createRequire } from 'node:module';
import type Deserializer from 'xmlrpc/lib/deserializer.js';
import type CustomType from 'xmlrpc/lib/customtype.js';
import type * as Serializer from 'xmlrpc/lib/serializer.js';
import { XmlRpcFaultCode, XmlRpcFaultError, type XmlRpcFaultCodeValue } from './codes.js';
import { WireDouble, WireInt, type WireValue } from './envelope.js';
import { fastDecodeMethodCall } from './xmlrpc-fast-decoder.js';
import { fastEncodeFault, fastEncodeResponse } from './xmlrpc-fast-encoder.js';

export interface DecodedCall {
  method: string;
  params: unknown[];
}

const DOCUMENT_TYPE_DECLARATION = /<!\s*(?:DOCTYPE|ENTITY)/i;
const METHOD_CALL_END = /<\/methodCall\s*>$/i;

/** A search for `!` first (one rare character: memchr speed, ~50× the regex on a 400 KB body); most bodies have none. */
const declaresDocumentType = (text: string): boolean => text.includes('!') && DOCUMENT_TYPE_DECLARATION.test(text);

/**
 * Decodes an XML-RPC methodCall. Structs come back with a null prototype, so a member named
 * `__proto__` is an ordinary member. `<i8>` values arrive as digit strings. Rejects with
 * XmlRpcFaultError: -32700 for unreadable XML, -32600 for XML that is not an XML-RPC call.
 * The hot path: a saxes-driven decoder, checked against referenceDecodeMethodCall.
 */
export async function decodeMethodCall(body: Buffer): Promise<DecodedCall> {
  return fastDecodeMethodCall(callText(body));
}

/** decodeMethodCall on the xmlrpc package's deserializer: the reference for differential tests. */
export async function referenceDecodeMethodCall(body: Buffer): Promise<DecodedCall> {
  return deserialize(callText(body));
}

function callText(body: Buffer): string {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'empty request body');
  if (declaresDocumentType(text)) {
    throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'DOCTYPE and ENTITY declarations are refused');
  }
  // Besides the strict parser: a cut-off body must never pass for a call (stock sax auto-closes).
  if (!METHOD_CALL_END.test(text.trimEnd().slice(-64))) {
    throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'document does not end with </methodCall>');
  }
  return text;
}

function deserialize(text: string): Promise<DecodedCall> {
  return new Promise((resolve, reject) => {
    const deserializer = new (xmlrpc().Deserializer)('utf8');
    deserializer.endStruct = nullPrototypeEndStruct;
    let xmlError = false;
    // The checks deserializeMethodCall would make, without its stream plumbing (which doubles the time).
    deserializer.callback = (error, params) => {
      if (error) {
        const code: XmlRpcFaultCodeValue = xmlError ? XmlRpcFaultCode.PARSE_ERROR : XmlRpcFaultCode.INVALID_REQUEST;
        const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
        reject(new XmlRpcFaultError(code, `${xmlError ? 'XML parse error' : 'not an XML-RPC call'}: ${reason}`));
      } else if (deserializer.type !== 'methodcall') {
        reject(new XmlRpcFaultError(XmlRpcFaultCode.INVALID_REQUEST, 'not an XML-RPC call: not a methodCall'));
      } else if (!deserializer.methodname) {
        reject(new XmlRpcFaultError(XmlRpcFaultCode.INVALID_REQUEST, 'not an XML-RPC call: no methodName'));
      } else {
        resolve({ method: deserializer.methodname, params: params ?? [] });
      }
    };
    const parser = strictSaxParser(deserializer, () => (xmlError = true));
    parser.write(text).close();
  });
}

interface SaxParser {
  onopentag: (tag: { name: string }) => void;
  onclosetag: (name: string) => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  onend: () => void;
  onerror: (error: Error) => void;
  error: Error | null;
  write(text: string): SaxParser;
  close(): SaxParser;
}

/**
 * xmlrpc's deserializer drives a loose-mode sax parser, which accepts mismatched and unclosed tags.
 * Drive it from a strict parser of the same sax build instead; strict mode keeps tag case, the
 * deserializer expects upper case.
 */
function strictSaxParser(deserializer: Deserializer, onXmlError: () => void): SaxParser {
  // sax exports no parser class to reach from here; its stream class builds one we can drive directly.
  type SaxStreamClass = new (strict: boolean, options: object) => { _parser: SaxParser };
  const SaxStream = deserializer.parser.constructor as SaxStreamClass;
  const parser = new SaxStream(true, { strictEntities: true })._parser;
  parser.onopentag = (tag) => deserializer.onOpentag({ name: tag.name.toUpperCase() });
  parser.onclosetag = (name) => deserializer.onClosetag(name.toUpperCase());
  parser.ontext = (text) => deserializer.onText(text);
  parser.oncdata = (text) => deserializer.onCDATA(text);
  parser.onend = () => deserializer.onDone();
  parser.onerror = (error) => {
    onXmlError();
    deserializer.onError(error);
    parser.error = null; // let sax run to the end of the text instead of throwing from write()
  };
  return parser;
}

function nullPrototypeEndStruct(this: Deserializer): void {
  const mark = this.marks.pop() ?? 0;
  const items = this.stack.slice(mark);
  if (items.length % 2 !== 0) throw new Error('struct member without a name or value');
  const struct: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < items.length; i += 2) {
    const name = items[i];
    if (typeof name !== 'string') throw new Error('struct member name is not a string');
    struct[name] = items[i + 1];
  }
  this.stack.splice(mark, this.stack.length - mark, struct);
  this.value = false;
}

interface XmlRpcLib {
  Deserializer: typeof Deserializer;
  serializer: typeof Serializer;
  IntType: new (raw: string) => CustomType;
  DoubleType: new (raw: string) => CustomType;
}
let loaded: XmlRpcLib | undefined;

/**
 * The xmlrpc package (with sax and xmlbuilder), loaded on first use: the endpoint's hot path never
 * needs it, and an agent that neither registers nor calls out should not carry it in memory.
 */
function xmlrpc(): XmlRpcLib {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const Base = require('xmlrpc/lib/customtype.js') as typeof CustomType;
  class IntType extends Base {
    override tagName = 'int';
  }
  class DoubleType extends Base {
    override tagName = 'double';
  }
  loaded = {
    Deserializer: require('xmlrpc/lib/deserializer.js') as typeof Deserializer,
    serializer: require('xmlrpc/lib/serializer.js') as typeof Serializer,
    IntType,
    DoubleType,
  };
  return loaded;
}

/** Every number must be a WireInt or WireDouble: the serializer would otherwise guess its type. */
function toSerializable(value: WireValue): unknown {
  if (value instanceof WireInt) return new (xmlrpc().IntType)(String(value.value));
  if (value instanceof WireDouble) {
    const n = value.value;
    return new (xmlrpc().DoubleType)(Number.isInteger(n) ? n.toFixed(1) : String(n));
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item: WireValue) => toSerializable(item));
  if (typeof value === 'object' && value !== null) {
    const struct: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [member, item] of Object.entries(value)) struct[member] = toSerializable(item as WireValue);
    return struct;
  }
  throw new TypeError(`reply value of type ${typeof value} has no explicit XML-RPC type`);
}

/** Throws for a bare number or a string XML cannot carry (a control character). */
export function encodeResponse(value: WireValue): string {
  return fastEncodeResponse(value);
}

export function encodeFault(code: number, message: string): string {
  return fastEncodeFault(code, message);
}

/** encodeResponse on the xmlrpc package's serializer: the reference for differential tests. */
export function referenceEncodeResponse(value: WireValue): string {
  return xmlrpc().serializer.serializeMethodResponse(toSerializable(value));
}

export function referenceEncodeFault(code: number, message: string): string {
  return xmlrpc().serializer.serializeFault({ faultCode: new (xmlrpc().IntType)(String(code)), faultString: message });
}

/** An XML-RPC call with explicitly typed params (one struct, by the ProtoGENI convention). */
export function encodeMethodCall(method: string, params: readonly WireValue[]): string {
  return xmlrpc().serializer.serializeMethodCall(method, params.map((param) => toSerializable(param)));
}

/** The other side answered our call with an XML-RPC fault. */
export class XmlRpcFaultReply extends Error {
  override readonly name = 'XmlRpcFaultReply';
  readonly code = 'XMLRPC_FAULT_REPLY';

  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`fault ${faultCode}: ${faultString}`);
  }
}

const METHOD_RESPONSE_END = /<\/methodResponse\s*>$/i;

/**
 * Decodes a methodResponse to its one value (structs without a prototype). Rejects with
 * XmlRpcFaultReply for a fault, XmlRpcFaultError (-32700/-32600) for anything unreadable.
 */
export async function decodeMethodResponse(body: Buffer): Promise<unknown> {
  const text = body.toString('utf8');
  if (declaresDocumentType(text)) {
    throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'DOCTYPE and ENTITY declarations are refused');
  }
  if (!METHOD_RESPONSE_END.test(text.trimEnd().slice(-64))) {
    throw new XmlRpcFaultError(XmlRpcFaultCode.PARSE_ERROR, 'document does not end with </methodResponse>');
  }
  return new Promise((resolve, reject) => {
    const deserializer = new (xmlrpc().Deserializer)('utf8');
    deserializer.endStruct = nullPrototypeEndStruct;
    let xmlError = false;
    deserializer.callback = (error, values) => {
      const fault = error as { faultCode?: unknown; faultString?: unknown } | undefined;
      if (fault && !xmlError && typeof fault.faultCode === 'number') {
        reject(new XmlRpcFaultReply(fault.faultCode, String(fault.faultString ?? '')));
      } else if (error) {
        const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
        reject(new XmlRpcFaultError(xmlError ? XmlRpcFaultCode.PARSE_ERROR : XmlRpcFaultCode.INVALID_REQUEST, `not a readable response: ${reason}`));
      } else if (deserializer.type !== 'methodresponse' || values?.length !== 1) {
        reject(new XmlRpcFaultError(XmlRpcFaultCode.INVALID_REQUEST, 'not a methodResponse with one value'));
      } else {
        resolve(values[0]);
      }
    };
    strictSaxParser(deserializer, () => (xmlError = true)).write(text).close();
  });
}
