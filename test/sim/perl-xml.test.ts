import { describe, expect, it } from 'vitest';
import { decodeMethodResponse, XmlRpcFaultReply } from '../../src/cluster/cluster-codec.js';
import { decodeMethodCall } from '../../src/protocol/call-decoder.js';
import { XmlRpcFaultCode, XmlRpcFaultError } from '../../src/protocol/codes.js';
import { perlCall, perlFault, perlResponse, protoGeniReply } from '../../src/sim/perl-xml.js';

const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('the simulator writes XML-RPC the way the Perl side does', () => {
  it('guesses types from text: whole numbers (even 1 and all-digit ids) as <i4>, decimals as <double>, text untyped', async () => {
    const xml = perlCall('SetResourceValues', [
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node1', value: 1 },
          { node_id: '4021', value: 0.125 },
        ],
      },
    ]);
    expect(xml).toContain('<name>value</name><value><i4>1</i4></value>');
    expect(xml).toContain('<name>node_id</name><value><i4>4021</i4></value>');
    expect(xml).toContain('<value><double>0.125</double></value>');
    expect(xml).toContain('<name>node_id</name><value>pc101</value>');
    expect(xml).not.toMatch(/<string>|<int>/);
    const decoded = await decodeMethodCall(Buffer.from(xml));
    expect(decoded.method).toBe('SetResourceValues');
    expect(plain(decoded.params)).toEqual([
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node1', value: 1 },
          { node_id: 4021, value: 0.125 },
        ],
      },
    ]);
  });

  it('sends one struct argument per call', async () => {
    const decoded = await decodeMethodCall(Buffer.from(perlCall('NotifyDeletePending', [{ nodelist: [] }])));
    expect(decoded.params).toHaveLength(1);
  });
});

describe('decodeMethodResponse', () => {
  it('reads a Perl-style ProtoGENI reply', async () => {
    const value = await decodeMethodResponse(
      Buffer.from(perlResponse(protoGeniReply(0, { maxwaittime: 3600, policy: 'LIFO' }))),
    );
    expect(plain(value)).toEqual({ code: 0, value: { maxwaittime: 3600, policy: 'LIFO' }, output: '' });
  });

  it('turns a fault into XmlRpcFaultReply with its code', async () => {
    const error = await decodeMethodResponse(Buffer.from(perlFault(-32601, 'unknown method Nope'))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XmlRpcFaultReply);
    expect((error as XmlRpcFaultReply).faultCode).toBe(-32601);
  });

  it('refuses a cut-off or DOCTYPE-carrying document as unreadable', async () => {
    const whole = perlResponse(protoGeniReply(0));
    for (const body of [
      whole.slice(0, whole.length - 30),
      `<!DOCTYPE x [<!ENTITY a "b">]>${whole}`,
      '<methodCall><methodName>x</methodName></methodCall>',
    ]) {
      const error = await decodeMethodResponse(Buffer.from(body)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(XmlRpcFaultError);
      expect([XmlRpcFaultCode.PARSE_ERROR, XmlRpcFaultCode.INVALID_REQUEST]).toContain(
        (error as XmlRpcFaultError).faultCode,
      );
    }
  });
});
