// The only module that loads the xmlrpc package: its codec, never its server (libraries.md).
import { createRequire } from 'node:module';
import type * as Sax from 'sax';
import type CustomType from 'xmlrpc/lib/customtype.js';
import type Deserializer from 'xmlrpc/lib/deserializer.js';
import type * as Serializer from 'xmlrpc/lib/serializer.js';
import { WireDouble, WireInt, type WireValue } from '../protocol/envelope.js';

export interface XmlRpcPackage {
  Deserializer: typeof Deserializer;
  serializer: typeof Serializer;
  IntType: new (raw: string) => CustomType;
  DoubleType: new (raw: string) => CustomType;
  sax: typeof Sax;
}
let loaded: XmlRpcPackage | undefined;

/**
 * The xmlrpc package (with sax and xmlbuilder), loaded on first use: the endpoint never needs it,
 * and an agent that neither registers nor calls out should not carry it in memory.
 */
export function xmlrpcPackage(): XmlRpcPackage {
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
    sax: require('sax') as typeof Sax,
  };
  return loaded;
}

/** Every number must be a WireInt or WireDouble: the serializer would otherwise guess its type. */
export function toSerializable(value: WireValue): unknown {
  const { IntType, DoubleType } = xmlrpcPackage();
  if (value instanceof WireInt) return new IntType(String(value.value));
  if (value instanceof WireDouble) {
    const n = value.value;
    return new DoubleType(Number.isInteger(n) ? n.toFixed(1) : String(n));
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

/**
 * A deserializer whose structs have no prototype (a member named `__proto__` is an ordinary
 * member), fed by a strict sax parser: xmlrpc's own loose-mode parser accepts mismatched and
 * unclosed tags. `onXmlError` learns that the text itself was not well-formed XML. Feed it with
 * `.write(text).close()`; the deserializer's callback gets the outcome.
 */
export function strictDeserializer(onXmlError: () => void): { deserializer: Deserializer; parser: Sax.SAXParser } {
  const { Deserializer: DeserializerClass, sax } = xmlrpcPackage();
  const deserializer = new DeserializerClass('utf8');
  deserializer.endStruct = nullPrototypeEndStruct;
  const parser = sax.parser(true, { strictEntities: true });
  // Strict mode keeps tag case; the deserializer expects upper case.
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
  return { deserializer, parser };
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
