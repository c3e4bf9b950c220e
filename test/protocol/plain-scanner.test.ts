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

  it('reads each member of a Perl-style call in one step (XmlEventSink.member)', () => {
    const members: Array<[string, string | undefined, string]> = [];
    const sink: XmlEventSink = { ...ignore, member: (...member) => members.push(member) > 0 };
    expect(scanPlainXml(countdownBody(2), sink)).toBe(true);
    expect(members).toEqual([
      ['node_id', undefined, 'pc1'],
      ['client_id', undefined, 'node-1'],
      ['max_wait_time', 'i4', '600'],
      ['node_id', undefined, 'pc2'],
      ['client_id', undefined, 'node-2'],
      ['max_wait_time', 'i4', '600'],
    ]);
  });

  const inStruct = (members: string): string =>
    `<methodCall><methodName>A</methodName><params><param><value><struct>${members}</struct></value></param></params></methodCall>`;
  const inParam = (value: string): string =>
    `<methodCall><methodName>A</methodName><params><param>${value}</param></params></methodCall>`;
  it.each([
    [
      'each scalar type',
      inStruct(
        '<member><name>s</name><value><string>x</string></value></member><member><name>i</name><value><i4>-7</i4></value></member><member><name>n</name><value><int>8</int></value></member><member><name>d</name><value><double>2</double></value></member><member><name>b</name><value><boolean>1</boolean></value></member><member><name>u</name><value>plain</value></member>',
      ),
    ],
    [
      'empty texts',
      inStruct(
        '<member><name></name><value></value></member><member><name>e</name><value><string></string></value></member>',
      ),
    ],
    ['a member named __proto__', inStruct('<member><name>__proto__</name><value><i4>1</i4></value></member>')],
    [
      'a whole double then the same name again',
      inStruct(
        '<member><name>a</name><value><double>2</double></value></member><member><name>a</name><value><i4>2</i4></value></member>',
      ),
    ],
    ['an int that is not one', inStruct('<member><name>a</name><value><int>abc</int></value></member>')],
    ['a boolean that is not one', inStruct('<member><name>a</name><value><boolean>2</boolean></value></member>')],
    ['a member where a value stands', inParam('<value><member><name>a</name><value>1</value></member></value>')],
    [
      'a member in an array',
      inParam('<value><array><data><member><name>a</name><value>1</value></member></data></array></value>'),
    ],
    ['a member in place of a param value', inParam('<member><name>a</name><value>1</value></member>')],
    [
      'a grammar error, then a member, then an XML error',
      '<methodCall><params/><methodName>A</methodName><params><param><value><struct><member><name>a</name><value>1</value></member></struct></value></param></params><x></methodCall>',
    ],
    [
      'a grammar error inside a member, then an XML error',
      `${inStruct('<member><name>a</name><value><int>z</int></value></member>').slice(0, -'</methodCall>'.length)}<b></methodCall>`,
    ],
    [']]> in a member name', inStruct('<member><name>a]]>b</name><value>1</value></member>')],
    [']]> in a member value', inStruct('<member><name>a</name><value>x]]>y</value></member>')],
    [']]> in a typed member value', inStruct('<member><name>a</name><value><string>x]]>y</string></value></member>')],
    ['an entity in a member', inStruct('<member><name>a&amp;b</name><value><string>&lt;</string></value></member>')],
    ['mismatched closing type', inStruct('<member><name>a</name><value><i4>1</int></value></member>')],
    ['white space inside a member', inStruct('<member>\n<name>a</name> <value> <i4>1</i4> </value>\n</member>')],
  ])('decodes a struct with %s exactly as saxes does', (name, text) => {
    expect(mismatches([[name, text]])).toEqual([]);
  });

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
