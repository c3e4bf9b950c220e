import { describe, expect, it } from 'vitest';
import { countdownBody, valuesBody } from '../../bench/bodies.js';
import { decodeCallText, decodeCallTextWithSaxes } from '../../src/protocol/call-decoder.js';
import { XmlRpcFaultError } from '../../src/protocol/codes.js';
import { scanPlainXml, type XmlEventSink } from '../../src/protocol/plain-scanner.js';
import { type FuzzContext, generateRequest } from '../fuzz/mutations.js';
import { Prng } from '../helpers/prng.js';
import { callFixtures } from './differential-fixtures.js';
import { sameValue } from './differential-oracle.js';

const REQUESTS = Number(process.env.DIFF_REQUESTS ?? 1500);
const SEED = Number(process.env.DIFF_SEED ?? 20_261_128);

type Result = { value: unknown } | { fault: number; message: string };

function outcome(decode: (text: string) => unknown, text: string): Result {
  try {
    return { value: decode(text) };
  } catch (error) {
    if (error instanceof XmlRpcFaultError) return { fault: error.faultCode, message: error.message };
    throw error;
  }
}

const ignore: XmlEventSink = { open: () => undefined, close: () => undefined, text: () => undefined };
const isPlain = (text: string): boolean => scanPlainXml(text, ignore);

/** A case of the tables below: the scanner reads it itself (or declines it), and the outcome is saxes's. */
const agreesWithSaxes = (plain: boolean) => (name: string, text: string) => {
  expect(isPlain(text)).toBe(plain);
  expect(mismatches([[name, text]])).toEqual([]);
};

/** The scanner may only decline: whatever it accepts must decode exactly as saxes decodes it. */
function mismatches(texts: ReadonlyArray<[string, string]>): Array<{ name: string; plain: Result; saxes: Result }> {
  return texts
    .map(([name, text]) => ({
      name,
      plain: outcome(decodeCallText, text),
      saxes: outcome(decodeCallTextWithSaxes, text),
    }))
    .filter(({ plain, saxes }) =>
      'value' in plain && 'value' in saxes
        ? !sameValue(plain.value, saxes.value)
        : 'fault' in plain && 'fault' in saxes
          ? plain.fault !== saxes.fault || plain.message !== saxes.message
          : true,
    );
}

describe('the plain-XML scanner in front of saxes', () => {
  it('reads what callers send: the Perl-style countdown and values calls, and the fixtures without exotic XML', () => {
    expect(isPlain(countdownBody(3))).toBe(true);
    expect(isPlain(valuesBody(3))).toBe(true);
    const plain = callFixtures().filter(([, text]) => isPlain(text));
    expect(plain.length).toBeGreaterThan(10);
    expect(mismatches(plain)).toEqual([]);
  });

  it('decodes every fixture, plain or not, exactly as saxes alone does (value, or fault code and message)', () => {
    expect(mismatches(callFixtures())).toEqual([]);
  });

  it.each([
    ['an attribute', '<methodCall a="1"><methodName>A</methodName></methodCall>'],
    ['a comment', '<methodCall><!-- x --><methodName>A</methodName></methodCall>'],
    ['CDATA', '<methodCall><methodName><![CDATA[A]]></methodName></methodCall>'],
    ['a character reference', '<methodCall><methodName>&#65;</methodName></methodCall>'],
    ['an unknown entity', '<methodCall><methodName>&nbsp;</methodName></methodCall>'],
    ['a bare ampersand', '<methodCall><methodName>A & B</methodName></methodCall>'],
    ['a carriage return', '<methodCall><methodName>A</methodName>\r\n</methodCall>'],
    ['a byte order mark', '\ufeff<methodCall><methodName>A</methodName></methodCall>'],
    ['a DOCTYPE', '<!DOCTYPE x><methodCall><methodName>A</methodName></methodCall>'],
    ['an XML 1.1 declaration', '<?xml version="1.1"?><methodCall><methodName>A</methodName></methodCall>'],
    ['a processing instruction', '<?xml version="1.0"?><?pi x?><methodCall><methodName>A</methodName></methodCall>'],
    ['mismatched tags', '<methodCall><methodName>A</methodname></methodCall>'],
    ['an unclosed element', '<methodCall><methodName>A</methodName>'],
    ['two roots', '<methodCall><methodName>A</methodName></methodCall><methodCall/>'],
    ['text outside the root', 'x<methodCall><methodName>A</methodName></methodCall>'],
    [']]> in text', '<methodCall><methodName>A]]>B</methodName></methodCall>'],
    ['a control character', '<methodCall><methodName>A\u0001</methodName></methodCall>'],
    ['a lone surrogate', '<methodCall><methodName>A\ud800</methodName></methodCall>'],
    ['a space before the name', '< methodCall><methodName>A</methodName></methodCall>'],
    ['a slash after whitespace in an empty tag', '<methodCall><methodName>A</methodName><params/ ></methodCall>'],
    ['an element outside the grammar', '<methodCall><methodName>A</methodName><x/></methodCall>'],
    ['a declaration after whitespace', ' <?xml version="1.0"?><methodCall><methodName>A</methodName></methodCall>'],
  ])('leaves %s to saxes, with the same outcome', agreesWithSaxes(false));

  it.each([
    ['the five entities', '<methodCall><methodName>&lt;&gt;&amp;&quot;&apos;</methodName></methodCall>'],
    [
      'whitespace inside tags',
      '<?xml version = "1.0" encoding=\'UTF-8\' standalone="yes" ?>\n<methodCall ><methodName\t>A</methodName\n><params /></methodCall >\n',
    ],
    [
      'upper-case names',
      '<METHODCALL><METHODNAME>A</METHODNAME><PARAMS><PARAM><VALUE><I4>7</I4></VALUE></PARAM></PARAMS></METHODCALL>',
    ],
    ['a grammar error', '<methodCall><params/><methodName>A</methodName></methodCall>'],
    ['characters beyond the BMP', '<methodCall><methodName>\ud83d\ude00</methodName></methodCall>'],
  ])('reads %s itself, as saxes would', agreesWithSaxes(true));

  it(`agrees with saxes on ${REQUESTS} fuzz-corpus bodies, reading most of them itself`, () => {
    const prng = new Prng(SEED);
    const ctx: FuzzContext = {
      prng,
      liveNodes: ['pc1', 'pc2', '4242'],
      maxNodesPerCall: 50,
      maxBodyBytes: 64 * 1024,
      tokenPath: '/dynslice/t',
    };
    const texts = Array.from({ length: REQUESTS }, (_, i): [string, string] => {
      const request = generateRequest(ctx);
      return [`#${i} ${request.mutation}`, request.body.toString('utf8')];
    });
    expect(mismatches(texts)).toEqual([]);
    const plain = texts.filter(([, text]) => isPlain(text)).length;
    console.info(`plain scanner (seed ${SEED}): read ${plain} of ${texts.length} fuzz bodies itself`);
    expect(plain).toBeGreaterThan(0);
  });
});
