/** ProtoGENI reply codes (protocol.md §1): the `code` member of every `{code, value, output}` reply. */
export const ProtoGeniCode = {
  SUCCESS: 0,
  BADARGS: 1,
  ERROR: 2,
  FORBIDDEN: 3,
  BADVERSION: 4,
  SERVERERROR: 5,
  TOOBIG: 6,
  REFUSED: 7,
  TIMEDOUT: 8,
  DBERROR: 9,
  RPCERROR: 10,
  UNAVAILABLE: 11,
  SEARCHFAILED: 12,
  UNSUPPORTED: 13,
  BUSY: 14,
  EXPIRED: 15,
  INPROGRESS: 16,
  ALREADYEXISTS: 17,
} as const;

export type ProtoGeniCodeName = keyof typeof ProtoGeniCode;
export type ProtoGeniCodeValue = (typeof ProtoGeniCode)[ProtoGeniCodeName];

/** Standard XML-RPC fault codes (the "specification for fault code interoperability"). */
export const XmlRpcFaultCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INTERNAL_ERROR: -32603,
} as const;

export type XmlRpcFaultCodeValue = (typeof XmlRpcFaultCode)[keyof typeof XmlRpcFaultCode];

/** An XML-RPC fault as it goes on the wire (a plain struct: an `Error` would serialize empty). */
export interface Fault {
  faultCode: XmlRpcFaultCodeValue;
  faultString: string;
}

export function isFault(value: unknown): value is Fault {
  return typeof value === 'object' && value !== null && 'faultCode' in value;
}

/**
 * A well-formed call whose contents are wrong: answered with a normal reply carrying `code` and
 * `output` = message. `field` is the path of the offending member, e.g. `nodelist[3].value`.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtoGeniCodeValue,
    readonly field: string,
    readonly expectation: string,
  ) {
    super(`${field}: ${expectation}`);
  }
}

/**
 * The agent cannot give a true answer now, for a reason it reports itself where the reason arises
 * (its journal cannot be written): answered with SERVERERROR and the message as `output`, with no
 * error logged per call.
 */
export class ServerUnavailableError extends Error {
  override readonly name: string = 'ServerUnavailableError';
}

/** The request could not be read as an XML-RPC call at all: answered with an XML-RPC fault. */
export class XmlRpcFaultError extends Error {
  override readonly name = 'XmlRpcFaultError';

  constructor(
    readonly faultCode: XmlRpcFaultCodeValue,
    message: string,
  ) {
    super(message);
  }

  toFault(): Fault {
    return { faultCode: this.faultCode, faultString: this.message };
  }
}
