// The xmlrpc package's own codec behind the endpoint's interface: the reference the endpoint's
// decoder and encoder are checked against in differential tests.
import { strictDeserializer, toSerializable, xmlrpcPackage } from '../../src/cluster/xmlrpc-package.js';
import { callText, type DecodedCall } from '../../src/protocol/call-decoder.js';
import { XmlRpcFaultCode, type XmlRpcFaultCodeValue, XmlRpcFaultError } from '../../src/protocol/codes.js';
import type { WireValue } from '../../src/protocol/envelope.js';

/** decodeMethodCall on the xmlrpc package's deserializer. */
export async function referenceDecodeMethodCall(body: Buffer): Promise<DecodedCall> {
  const text = callText(body);
  return new Promise((resolve, reject) => {
    let xmlError = false;
    const { deserializer, parser } = strictDeserializer(() => (xmlError = true));
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
    parser.write(text).close();
  });
}

/** encodeResponse on the xmlrpc package's serializer. */
export function referenceEncodeResponse(value: WireValue): string {
  return xmlrpcPackage().serializer.serializeMethodResponse(toSerializable(value));
}

export function referenceEncodeFault(code: number, message: string): string {
  const { serializer, IntType } = xmlrpcPackage();
  return serializer.serializeFault({ faultCode: new IntType(String(code)), faultString: message });
}
