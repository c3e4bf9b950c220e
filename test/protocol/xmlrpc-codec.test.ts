import { describe, expect, it } from 'vitest';
import { decodeMethodCall } from '../../src/protocol/call-decoder.js';
import { XmlRpcFaultCode, XmlRpcFaultError } from '../../src/protocol/codes.js';
import { successReply, WireDouble, WireInt, wireDouble, wireInt } from '../../src/protocol/envelope.js';
import { encodeFault, encodeResponse } from '../../src/protocol/reply-encoder.js';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
// One list of bad bodies for this test and the differential one (fast decoder against the reference).
import { GET_VERSION, MALFORMED, NOT_XML_RPC } from './differential-fixtures.js';

const call = (body: string) => decodeMethodCall(Buffer.from(body));

async function faultCodeOf(body: string): Promise<number> {
  try {
    await call(body);
  } catch (error) {
    if (error instanceof XmlRpcFaultError) return error.faultCode;
    throw error;
  }
  throw new Error('expected a fault');
}

describe('decoding a methodCall', () => {
  it('reads Perl-style typing: <i4>, untyped strings, <int>, and <i8> as a digit string', async () => {
    const body = perlMethodCall('NotifyDeletePending', [
      { nodelist: [{ node_id: 'pc101', max_wait_time: { $int: 60 }, value: 1 }] },
    ]).replace('<int>60</int>', '<i8>60</i8>');
    const decoded = await call(body);
    expect(decoded.method).toBe('NotifyDeletePending');
    expect(JSON.parse(JSON.stringify(decoded.params))).toEqual([
      { nodelist: [{ node_id: 'pc101', max_wait_time: '60', value: 1 }] },
    ]);
  });

  it('builds structs without a prototype, so __proto__ is an ordinary member', async () => {
    const body = perlMethodCall('GetVersion', [JSON.parse('{"__proto__": {"polluted": "yes"}}') as PerlValue]);
    const [struct] = (await call(body)).params;
    expect(Object.getPrototypeOf(struct)).toBeNull();
    expect(Object.keys(struct as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts a call without params', async () => {
    expect(await call(GET_VERSION)).toEqual({ method: 'GetVersion', params: [] });
  });

  it.each(MALFORMED)('answers %s with fault -32700', async (_, body) => {
    expect(await faultCodeOf(body)).toBe(XmlRpcFaultCode.PARSE_ERROR);
  });

  it.each(NOT_XML_RPC)('answers %s with fault -32600', async (_, body) => {
    expect(await faultCodeOf(body)).toBe(XmlRpcFaultCode.INVALID_REQUEST);
  });

  it('decodes 100,000 nested arrays without a stack overflow', async () => {
    const depth = 100_000;
    const body = `<methodCall><methodName>A</methodName><params><param>${'<value><array><data>'.repeat(depth)}${'</data></array></value>'.repeat(depth)}</param></params></methodCall>`;
    const { params } = await call(body);
    expect(Array.isArray(params[0])).toBe(true);
  });

  it('decodes a 1,000-node call quickly', async () => {
    const nodelist = Array.from({ length: 1000 }, (_, i) => ({
      node_id: `pc${i}`,
      client_id: `node-${i}`,
      component_urn: `urn:publicid:IDN+utah.cloudlab.us+node+pc${i}`,
      max_wait_time: 300,
    }));
    const body = Buffer.from(perlMethodCall('NotifyDeletePending', [{ nodelist }]));
    await decodeMethodCall(body); // warm up
    const started = performance.now();
    const { params } = await decodeMethodCall(body);
    const ms = performance.now() - started;
    console.info(`decode of a 1,000-node call (${body.length} bytes): ${ms.toFixed(1)} ms`);
    expect((params[0] as { nodelist: unknown[] }).nodelist).toHaveLength(1000);
    expect(ms).toBeLessThan(500);
  });
});

describe('encoding replies', () => {
  it('types every number explicitly and never emits <nil/>', () => {
    const xml = encodeResponse(successReply([{ max_wait_time: wireInt(0), value: wireDouble(1) }], '1.0'));
    expect(xml).toContain('<name>code</name><value><int>0</int></value>');
    expect(xml).toContain('<name>max_wait_time</name><value><int>0</int></value>');
    expect(xml).toContain('<name>value</name><value><double>1.0</double></value>');
    expect(xml).not.toContain('<nil');
  });

  it('refuses NaN, Infinity, out-of-range ints and untyped numbers', () => {
    expect(() => new WireDouble(Number.NaN)).toThrow(RangeError);
    expect(() => new WireDouble(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new WireInt(1.5)).toThrow(RangeError);
    expect(() => new WireInt(2 ** 31)).toThrow(RangeError);
    expect(() => encodeResponse({ code: 0 } as never)).toThrow(TypeError);
  });

  it('writes a fault as a struct of an int code and a string', () => {
    const xml = encodeFault(XmlRpcFaultCode.METHOD_NOT_FOUND, 'unknown method "x"');
    expect(xml).toContain('<fault><value><struct><member><name>faultCode</name><value><int>-32601</int></value>');
    expect(xml).toContain('<name>faultString</name><value><string>unknown method "x"</string></value>');
  });
});
