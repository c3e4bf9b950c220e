// What the cluster client sends and reads: calls encoded and responses decoded by the xmlrpc package.
import { XmlRpcFaultCode, XmlRpcFaultError } from '../protocol/codes.js';
import { refuseDocumentType, requireEnding } from '../protocol/document-guards.js';
import type { WireValue } from '../protocol/envelope.js';
import { strictDeserializer, toSerializable, xmlrpcPackage } from './xmlrpc-package.js';

/** An XML-RPC call with explicitly typed params (one struct, by the ProtoGENI convention). */
export function encodeMethodCall(method: string, params: readonly WireValue[]): string {
  return xmlrpcPackage().serializer.serializeMethodCall(
    method,
    params.map((param) => toSerializable(param)),
  );
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
  refuseDocumentType(text);
  requireEnding(text, METHOD_RESPONSE_END, '</methodResponse>');
  return new Promise((resolve, reject) => {
    let xmlError = false;
    const { deserializer, parser } = strictDeserializer(() => (xmlError = true));
    deserializer.callback = (error, values) => {
      const fault = error as { faultCode?: unknown; faultString?: unknown } | undefined;
      if (fault && !xmlError && typeof fault.faultCode === 'number') {
        reject(new XmlRpcFaultReply(fault.faultCode, String(fault.faultString ?? '')));
      } else if (error) {
        const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
        const code = xmlError ? XmlRpcFaultCode.PARSE_ERROR : XmlRpcFaultCode.INVALID_REQUEST;
        reject(new XmlRpcFaultError(code, `not a readable response: ${reason}`));
      } else if (deserializer.type !== 'methodresponse' || values?.length !== 1) {
        reject(new XmlRpcFaultError(XmlRpcFaultCode.INVALID_REQUEST, 'not a methodResponse with one value'));
      } else {
        resolve(values[0]);
      }
    };
    parser.write(text).close();
  });
}
