/** `<int>` rather than the `<i4>` the Perl encoder uses for whole numbers by default. */
export interface PerlInt {
  $int: number;
}
export type PerlValue = string | number | PerlInt | PerlValue[] | { [member: string]: PerlValue };

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Encodes a value the way CloudLab's Perl side does: the type is guessed from the text, so whole
 * numbers (even a value of exactly 1) become `<i4>`, and strings go out untyped as `<value>text</value>`.
 */
export function perlValue(value: PerlValue): string {
  if (typeof value === 'string') return `<value>${escapeXml(value)}</value>`;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `<value><i4>${value}</i4></value>` : `<value><double>${value}</double></value>`;
  }
  if (Array.isArray(value)) return `<value><array><data>\n${value.map(perlValue).join('\n')}\n</data></array></value>`;
  if ('$int' in value && typeof value.$int === 'number') return `<value><int>${value.$int}</int></value>`;
  const members = Object.entries(value).map(
    ([name, member]) => `<member><name>${escapeXml(name)}</name>${perlValue(member as PerlValue)}</member>`,
  );
  return `<value><struct>\n${members.join('\n')}\n</struct></value>`;
}

export function perlMethodCall(method: string, params: PerlValue[]): string {
  const encoded = params.map((param) => `<param>${perlValue(param)}</param>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<methodCall>\n<methodName>${method}</methodName>\n<params>\n${encoded}\n</params>\n</methodCall>\n`;
}
