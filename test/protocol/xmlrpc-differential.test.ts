import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeMethodResponse } from '../../src/cluster/cluster-codec.js';
import { decodeMethodCall } from '../../src/protocol/call-decoder.js';
import { createClientEndpoint } from '../../src/protocol/client-endpoint.js';
import { isFault } from '../../src/protocol/codes.js';
import { WireDouble, WireInt, type WireValue } from '../../src/protocol/envelope.js';
import { encodeFault, encodeResponse } from '../../src/protocol/reply-encoder.js';
import { type FuzzContext, generateRequest } from '../fuzz/mutations.js';
import { Prng } from '../helpers/prng.js';
import {
  referenceDecodeMethodCall,
  referenceEncodeFault,
  referenceEncodeResponse,
} from '../helpers/reference-codec.js';
import { RecordingHandlers } from '../helpers/xmlrpc-fake-handlers.js';
import { decodeWithPython } from '../helpers/xmlrpc-python.js';
import { callFixtures } from './differential-fixtures.js';
import {
  expatWellFormed,
  isStricterRefusal,
  type Outcome,
  outcomeOf,
  randomReplyValue,
  sameValue,
  stringsOf,
  withXmlLineEnds,
} from './differential-oracle.js';

// DIFF_REQUESTS=20000 DIFF_SEED=7 npx vitest run test/protocol/xmlrpc-differential.test.ts widens the corpus.
const REQUESTS = Number(process.env.DIFF_REQUESTS ?? 1500);
const SEED = Number(process.env.DIFF_SEED ?? 20_260_108);

interface Disagreement {
  name: string;
  text: string;
  fast: Outcome;
  reference: Outcome;
}

/** Decodes each body both ways; returns what did not agree exactly (same value, or same fault code). */
async function disagreements(bodies: ReadonlyArray<[string, Buffer]>): Promise<Disagreement[]> {
  const found: Disagreement[] = [];
  for (const [name, body] of bodies) {
    const fast = await outcomeOf(decodeMethodCall, body);
    const reference = await outcomeOf(referenceDecodeMethodCall, body);
    const agree =
      fast.accepted && reference.accepted
        ? sameValue(fast.call, reference.call)
        : !fast.accepted && !reference.accepted && fast.code === reference.code;
    if (!agree) found.push({ name, text: body.toString('utf8'), fast, reference });
  }
  return found;
}

/** Each disagreement must be a documented flaw of the reference, the fast decoder the stricter. */
function unexplained(found: readonly Disagreement[]): Array<Pick<Disagreement, 'name' | 'fast' | 'reference'>> {
  const wellFormed = expatWellFormed(found.map((d) => d.text));
  return found
    .filter(({ fast, reference }, i) => {
      if (fast.accepted && reference.accepted) return !sameValue(fast.call, withXmlLineEnds(reference.call));
      if (fast.accepted) return true;
      // A document that is both malformed and not XML-RPC: the reference names whichever flaw came first.
      if (fast.code === -32700) return wellFormed[i] !== false || !/^XML parse error: /.test(fast.reason);
      return reference.accepted === false || !isStricterRefusal(fast.reason);
    })
    .map(({ name, fast, reference }) => ({ name, fast, reference }));
}

describe('the fast XML-RPC codec against the xmlrpc package (the reference)', () => {
  it('decodes every request fixture of test/protocol and test/endpoint to the same value or fault code', async () => {
    const bodies = callFixtures().map(([name, text]): [string, Buffer] => [name, Buffer.from(text)]);
    expect(await disagreements(bodies)).toEqual([]);
  });

  it(`decodes ${REQUESTS} fuzz-corpus bodies like the reference, refusing only what the reference wrongly accepts`, async () => {
    const prng = new Prng(SEED);
    const ctx: FuzzContext = {
      prng,
      liveNodes: ['pc1', 'pc2', '4242'],
      maxNodesPerCall: 50,
      maxBodyBytes: 64 * 1024,
      tokenPath: '/dynslice/t',
    };
    const bodies = Array.from({ length: REQUESTS }, (_, i): [string, Buffer] => {
      const request = generateRequest(ctx);
      return [`#${i} ${request.mutation}`, request.body];
    });
    const found = await disagreements(bodies);
    console.info(
      `differential corpus (seed ${SEED}): ${bodies.length} bodies, ${found.length} refused only by the fast decoder`,
    );
    expect(unexplained(found)).toEqual([]);
    expect(found.every((d) => !d.fast.accepted)).toBe(true);
  });

  it('reads line ends as XML requires, where the reference keeps a raw \\r', async () => {
    const body = Buffer.from(
      '<methodCall><methodName>A</methodName><params><param><value>a\r\nb\rc&#13;</value></param></params></methodCall>',
    );
    expect((await decodeMethodCall(body)).params).toEqual(['a\nb\nc\r']);
    expect((await referenceDecodeMethodCall(body)).params).toEqual(['a\r\nb\rc\r']);
  });

  it('encodes the reply to every fixture byte for byte like the reference, but for CDATA sections', async () => {
    const handlers = new RecordingHandlers();
    handlers.released = new Set(['4242', 'pc2', 'pc101']);
    const endpoint = createClientEndpoint({ handlers, logger: pino({ level: 'silent' }), maxNodesPerCall: 3 });
    let compared = 0;
    for (const [, text] of callFixtures()) {
      const decoded = await outcomeOf(decodeMethodCall, Buffer.from(text));
      const outcome = decoded.accepted ? await endpoint.handleCall(decoded.call.method, decoded.call.params) : null;
      const reply = outcome !== null && !isFault(outcome) ? outcome : null;
      const fault = faultOf(outcome, decoded);
      const fast = reply ? encodeResponse(reply) : encodeFault(...fault);
      const reference = reply ? referenceEncodeResponse(reply) : referenceEncodeFault(...fault);
      if (stringsOf(reply ?? fault[1]).some((s) => /[<&]|]]>/.test(s))) {
        expect(await decodeMethodResponse(Buffer.from(fast)).catch(String)).toEqual(
          await decodeMethodResponse(Buffer.from(reference)).catch(String),
        );
      } else {
        expect(fast).toBe(reference);
      }
      compared += 1;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('encodes generated replies to the same bytes, or, where the reference writes CDATA, to the same value', async () => {
    const prng = new Prng(SEED);
    let refusedByBoth = 0;
    for (let i = 0; i < 3000; i += 1) {
      const value = randomReplyValue(prng);
      const fast = attempt(() => encodeResponse(value));
      const reference = attempt(() => referenceEncodeResponse(value));
      expect(typeof fast, JSON.stringify(value)).toBe(typeof reference);
      if (typeof fast !== 'string' || typeof reference !== 'string') {
        refusedByBoth += 1;
        continue;
      }
      const cdata = stringsOf(value).some((s) => /[<&]|]]>/.test(s));
      if (!cdata) expect(fast).toBe(reference);
      else if (!stringsOf(value).some((s) => s.split(']]>').length > 2)) {
        // The reference's CDATA splits only the first "]]>" of a string: its reply is then broken.
        expect(await decodeMethodResponse(Buffer.from(fast))).toEqual(
          await decodeMethodResponse(Buffer.from(reference)),
        );
      }
    }
    expect(refusedByBoth).toBeGreaterThan(0);
  });

  it("reaches Python's xmlrpc.client intact, \\r and repeated ]]> included, where the reference's CDATA does not", async () => {
    const prng = new Prng(SEED + 1);
    const values = Array.from({ length: 300 }, () => randomReplyValue(prng, 0, false));
    values.push({ output: 'a<b\r\nc]]>d]]>e' });
    const decoded = await decodeWithPython(values.map((value) => encodeResponse(value)));
    expect(decoded.map((outcome) => outcome.result)).toEqual(values.map(plain));
    const [reference] = await decodeWithPython([referenceEncodeResponse({ output: 'a<b\r\nc' })]);
    expect(reference?.result).toEqual({ output: 'a<b\nc' });
  });
});

function faultOf(outcome: unknown, decoded: Outcome): [number, string] {
  if (outcome !== null && isFault(outcome)) return [outcome.faultCode, outcome.faultString];
  return decoded.accepted ? [0, ''] : [decoded.code, decoded.reason];
}

function attempt(encode: () => string): string | Error {
  try {
    return encode();
  } catch (error) {
    return error as Error;
  }
}

/** A reply value as Python hands it back: numbers bare. */
function plain(value: WireValue): unknown {
  if (value instanceof WireInt || value instanceof WireDouble) return value.value === 0 ? 0 : value.value; // -0 goes out as 0.0
  if (Array.isArray(value)) return value.map((item: WireValue) => plain(item));
  if (typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, plain(item as WireValue)]));
}
