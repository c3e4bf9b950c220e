// Scalar conversions of the call decoder: the values the xmlrpc package's deserializer produces,
// with number syntax checked first (it would read `<int>0x7f</int>` as 0 and `<int>1_000</int>` as 1).

/** A scalar element's text could not be read as its type: the call is not valid XML-RPC. */
export class ScalarTextError extends Error {
  override readonly name = 'ScalarTextError';
}

const WHOLE = /^\s*[+-]?\d+\s*$/;
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const I8 = /^-?\d+$/;

export function intOf(text: string): number {
  if (!WHOLE.test(text)) throw new ScalarTextError(`expected an integer but got '${clip(text)}'`);
  return parseInt(text, 10);
}

export function doubleOf(text: string): number {
  if (!DECIMAL.test(text)) throw new ScalarTextError(`expected a double but got '${clip(text)}'`);
  return parseFloat(text);
}

/** Digits beyond 2^53 survive: `<i8>` stays a string. */
export function i8Of(text: string): string {
  if (!I8.test(text)) throw new ScalarTextError(`expected integer (I8) value but got '${clip(text)}'`);
  return text;
}

export function booleanOf(text: string): boolean {
  if (text === '1') return true;
  if (text === '0') return false;
  throw new ScalarTextError(`illegal boolean value '${clip(text)}'`);
}

export function base64Of(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

// xmlrpc's date_formatter: separators optional, zone optional (then the local zone), unanchored.
const ISO8601 =
  /([0-9]{4})([-]?([0-9]{2}))([-]?([0-9]{2}))(T([0-9]{2})(((:?([0-9]{2}))?((:?([0-9]{2}))?(\.([0-9]+))?))?)(Z|([+-]([0-9]{2}(:?([0-9]{2}))?)))?)?/;

export function dateTimeOf(text: string): Date {
  const parts = ISO8601.exec(text);
  if (!parts) throw new ScalarTextError(`expected a ISO8601 datetime but got '${clip(text)}'`);
  const local =
    `${parts[1]}-${parts[3] || '01'}-${parts[5] || '01'}` +
    `T${parts[7] || '00'}:${parts[11] || '00'}:${parts[14] || '00'}.${parts[16] || '000'}`;
  const zone =
    parts[17] !== undefined
      ? parts[17] + (parts[19] && parts[20] === undefined ? '00' : '')
      : currentOffset(new Date(local));
  return new Date(local + zone);
}

function currentOffset(date: Date): string {
  const offset = date.getTimezoneOffset();
  if (offset === 0) return 'Z';
  const pad = (n: number): string => String(Math.abs(n)).padStart(2, '0');
  return `${offset < 0 ? '+' : '-'}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
}

const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
