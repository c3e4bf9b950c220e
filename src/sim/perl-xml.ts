/**
 * XML-RPC as CloudLab's Perl side writes it. Perl scalars carry no type, so the encoder guesses
 * one from the text: whole numbers (a value of exactly 1, an all-digit node id) go out as `<i4>`,
 * decimals as `<double>`, and everything else as an untyped `<value>text</value>`.
 */
export type PerlData = string | number | readonly PerlData[] | { readonly [member: string]: PerlData };

const WHOLE = /^[+-]?\d{1,10}$/;
const DECIMAL = /^[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const I4_MAX = 2 ** 31;

const xmlText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function guessScalar(text: string): string {
  if (WHOLE.test(text) && Math.abs(Number(text)) < I4_MAX) return `<i4>${text}</i4>`;
  if (DECIMAL.test(text)) return `<double>${text}</double>`;
  return xmlText(text);
}

export function perlValue(data: PerlData): string {
  if (typeof data === 'string' || typeof data === 'number') return `<value>${guessScalar(String(data))}</value>`;
  if (Array.isArray(data)) {
    return `<value><array><data>${(data as readonly PerlData[]).map(perlValue).join('')}</data></array></value>`;
  }
  const members = Object.entries(data as { readonly [member: string]: PerlData })
    .map(([name, member]) => `<member><name>${xmlText(name)}</name>${perlValue(member)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

const PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function perlCall(method: string, params: readonly PerlData[]): string {
  const list = params.map((param) => `<param>${perlValue(param)}</param>`).join('');
  return `${PROLOGUE}<methodCall><methodName>${xmlText(method)}</methodName><params>${list}</params></methodCall>\n`;
}

export function perlResponse(value: PerlData): string {
  return `${PROLOGUE}<methodResponse><params><param>${perlValue(value)}</param></params></methodResponse>\n`;
}

export function perlFault(code: number, message: string): string {
  const fault = perlValue({ faultCode: code, faultString: message });
  return `${PROLOGUE}<methodResponse><fault>${fault}</fault></methodResponse>\n`;
}

/** The ProtoGENI reply struct the cluster answers with. */
export const protoGeniReply = (code: number, value: PerlData = 0, output = ''): PerlData => ({ code, value, output });
