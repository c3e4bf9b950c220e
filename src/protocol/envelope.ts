import { ProtoGeniCode, type ProtoGeniCodeValue } from './codes.js';

/**
 * Explicitly typed reply values. The xmlrpc serializer guesses number types (1.0 becomes `<int>`,
 * NaN becomes unparsable XML), so every number in a reply is one of these and the codec refuses
 * bare numbers. There is no null: the Perl caller strips `<nil/>`.
 */
export class WireInt {
  constructor(readonly value: number) {
    if (!Number.isSafeInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new RangeError(`not a 32-bit XML-RPC int: ${value}`);
    }
  }
}

export class WireDouble {
  constructor(readonly value: number) {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite XML-RPC double: ${value}`);
  }
}

export type WireStruct = { readonly [member: string]: WireValue };
export type WireValue = WireInt | WireDouble | string | boolean | readonly WireValue[] | WireStruct;

export const wireInt = (value: number): WireInt => new WireInt(value);
export const wireDouble = (value: number): WireDouble => new WireDouble(value);

/** The ProtoGENI reply struct; `code` is always an int, `value` defaults to int 0. */
export type ProtoGeniReply = {
  readonly code: WireInt;
  readonly value: WireValue;
  readonly output: string;
};

export function successReply(value: WireValue = wireInt(0), output = ''): ProtoGeniReply {
  return { code: wireInt(ProtoGeniCode.SUCCESS), value, output };
}

export function errorReply(code: ProtoGeniCodeValue, output: string): ProtoGeniReply {
  return { code: wireInt(code), value: wireInt(0), output };
}
