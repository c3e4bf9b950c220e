import { describe, expect, it } from 'vitest';
import { decodeCallText } from '../../src/protocol/call-decoder.js';
import { ProtocolError, ProtoGeniCode } from '../../src/protocol/codes.js';
import { decodeCountdown, decodeNodelist } from '../../src/protocol/lenient-params.js';
import { checkNesting } from '../../src/protocol/params-shape.js';

function protocolErrorOf(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}

/** A struct as the codec delivers it: no prototype, so `__proto__` can be an own member. */
function nullProtoStruct(members: Record<string, unknown>): Record<string, unknown> {
  const struct = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(members)) struct[key] = value;
  return struct;
}

describe('lenient nodelist params', () => {
  it('coerces what the Perl encoder guesses: <i4> ids, digit-string waits, integral doubles', () => {
    const nodes = decodeNodelist('NotifyDeletePending', [
      {
        nodelist: [
          { node_id: 101, client_id: 7, max_wait_time: '60' },
          {
            node_id: 'pc102',
            client_id: 1.5,
            max_wait_time: 30.0,
            component_urn: 'urn:publicid:IDN+x+node+pc102',
            extra: 'ignored',
          },
          { node_id: '123456789012345678', max_wait_time: 0 },
        ],
      },
    ]);
    expect(nodes).toEqual([
      { node_id: '101', client_id: '7', max_wait_time: 60 },
      { node_id: 'pc102', client_id: '1.5', component_urn: 'urn:publicid:IDN+x+node+pc102', max_wait_time: 30 },
      { node_id: '123456789012345678', max_wait_time: 0 },
    ]);
  });

  it('counts a node without a value as 1.0 and accepts <i4>1 and numeric strings', () => {
    const nodes = decodeNodelist('SetResourceValues', [
      {
        nodelist: [
          { node_id: 'a' },
          { node_id: 'b', value: 1 },
          { node_id: 'c', value: '0.25' },
          { node_id: 'd', value: 0 },
        ],
      },
    ]);
    expect(nodes.map((node) => node.value)).toEqual([1, 1, 0.25, 0]);
  });

  it('lets NotifyDeleteComplete entries come without max_wait_time', () => {
    const nodes = decodeNodelist('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1', client_id: 'node-1' }] }]);
    expect(nodes).toEqual([{ node_id: 'pc1', client_id: 'node-1' }]);
  });

  it.each([
    ['NotifyDeletePending', { node_id: 'a', max_wait_time: 'soon' }, 'nodelist[0].max_wait_time'],
    ['NotifyDeletePending', { node_id: 'a', max_wait_time: -1.5 }, 'nodelist[0].max_wait_time'],
    ['NotifyDeletePending', { node_id: 'a', max_wait_time: 1.5 }, 'nodelist[0].max_wait_time'],
    ['NotifyDeletePending', { node_id: 'a' }, 'nodelist[0].max_wait_time'],
    ['SetResourceValues', { node_id: 'a', value: 2.5 }, 'nodelist[0].value'],
    ['SetResourceValues', { node_id: 'a', value: 'high' }, 'nodelist[0].value'],
    ['SetResourceValues', { node_id: '' }, 'nodelist[0].node_id'],
    ['SetResourceValues', { node_id: 'x'.repeat(257) }, 'nodelist[0].node_id'],
    ['SetResourceValues', { node_id: 'pc\u0001' }, 'nodelist[0].node_id'],
    ['SetResourceValues', { node_id: 1.5 }, 'nodelist[0].node_id'],
    ['SetResourceValues', { node_id: 'a', client_id: ['x'] }, 'nodelist[0].client_id'],
    ['SetResourceValues', { node_id: 'a', component_urn: 5 }, 'nodelist[0].component_urn'],
    ['SetResourceValues', { value: 1 }, 'nodelist[0].node_id'],
    ['SetResourceValues', 'pc101', 'nodelist[0]'],
    ['SetResourceValues', [{ node_id: 'a' }], 'nodelist[0]'],
    ['SetResourceValues', new Date(0), 'nodelist[0]'],
  ] as const)('%s rejects %j as BADARGS naming %s', (method, entry, field) => {
    const error = protocolErrorOf(() => decodeNodelist(method, [{ nodelist: [entry] }]));
    expect(error.code).toBe(ProtoGeniCode.BADARGS);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('reads a negative max_wait_time (a countdown that overshot) as 0, typed or as text', () => {
    for (const method of ['NotifyDeletePending', 'NotifyDeleteComplete'] as const) {
      const nodes = decodeNodelist(method, [
        {
          nodelist: [
            { node_id: 'a', max_wait_time: -1 },
            { node_id: 'b', max_wait_time: ' -30 ' },
            { node_id: 'c', max_wait_time: -0x80000000 },
          ],
        },
      ]);
      expect(nodes.map((node) => node.max_wait_time)).toEqual([0, 0, 0]);
    }
  });

  it('names the failing entry by its index', () => {
    const nodelist = [0, 1, 2].map((i) => ({ node_id: `pc${i}`, max_wait_time: 5 }));
    const error = protocolErrorOf(() =>
      decodeNodelist('NotifyDeletePending', [{ nodelist: [...nodelist, { node_id: 'pc3', max_wait_time: 'soon' }] }]),
    );
    expect(error.message).toBe('nodelist[3].max_wait_time: expected a whole number of seconds ≥ 0');
  });

  it('reads a countdown entry by entry: an entry that cannot be read names its problem and reaches no node', () => {
    const nodelist = [
      { node_id: 'pc1', max_wait_time: 60 },
      { node_id: 'pc2', max_wait_time: 'soon' },
      'pc3',
      { max_wait_time: 5 },
      { node_id: 'pc5', client_id: 'bad\u0001', max_wait_time: 5 },
      { node_id: 'pc6', max_wait_time: -5, extra: 'kept as it came' },
    ];
    const countdown = decodeCountdown([{ nodelist }]);
    expect(countdown.nodelist).toBe(nodelist);
    expect(countdown.nodes).toEqual([
      { node_id: 'pc1', max_wait_time: 60 },
      { node_id: 'pc6', max_wait_time: 0 },
    ]);
    expect(countdown.entries.map((entry) => entry.problem)).toEqual([
      undefined,
      'nodelist[1].max_wait_time: expected a whole number of seconds ≥ 0',
      'nodelist[2]: expected a struct',
      'nodelist[3].node_id: missing, expected a non-empty string (or integer) of at most 256 printable characters',
      'nodelist[4].client_id: expected a string of at most 1024 printable characters',
      undefined,
    ]);
  });

  it('still refuses a whole countdown whose envelope is wrong', () => {
    const deep = Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 'leaf');
    for (const [params, code, field] of [
      [['pc1'], ProtoGeniCode.BADARGS, 'params'],
      [[{ nodelist: [] }, { nodelist: [] }], ProtoGeniCode.BADARGS, 'params'],
      [[{ nodes: [] }], ProtoGeniCode.BADARGS, 'nodelist'],
      [[{ nodelist: { node_id: 'pc1' } }], ProtoGeniCode.BADARGS, 'nodelist'],
      [[{ nodelist: [{ node_id: 'pc1', max_wait_time: 5, extra: deep }] }], ProtoGeniCode.BADARGS, 'params'],
      [[{ nodelist: ['a', 'b', 'c', 'd'] }], ProtoGeniCode.TOOBIG, 'nodelist'],
    ] as const) {
      const error = protocolErrorOf(() => decodeCountdown(params, { maxNodesPerCall: 3 }));
      expect([error.code, error.field]).toEqual([code, field]);
    }
  });

  it.each([
    ['no params at all', []],
    ['a struct without nodelist', [{ nodes: [] }]],
  ])('answers %s with BADARGS naming nodelist', (_, params) => {
    const error = protocolErrorOf(() => decodeNodelist('SetResourceValues', params));
    expect([error.code, error.field]).toEqual([ProtoGeniCode.BADARGS, 'nodelist']);
  });

  it('rejects a nodelist that is not an array, and a param that is not a struct', () => {
    expect(protocolErrorOf(() => decodeNodelist('SetResourceValues', [{ nodelist: 'pc1' }])).field).toBe('nodelist');
    expect(protocolErrorOf(() => decodeNodelist('SetResourceValues', ['pc1'])).field).toBe('params');
  });

  it('answers more nodes than maxNodesPerCall with TOOBIG', () => {
    const nodelist = Array.from({ length: 4 }, (_, i) => ({ node_id: `pc${i}` }));
    const error = protocolErrorOf(() => decodeNodelist('SetResourceValues', [{ nodelist }], { maxNodesPerCall: 3 }));
    expect([error.code, error.field]).toEqual([ProtoGeniCode.TOOBIG, 'nodelist']);
  });

  it('never lets a __proto__ member supply fields', () => {
    const poisonedTop = nullProtoStruct({ __proto__: { nodelist: [{ node_id: 'pc1' }] } });
    expect(protocolErrorOf(() => decodeNodelist('SetResourceValues', [poisonedTop])).field).toBe('nodelist');
    const poisonedEntry = nullProtoStruct({ node_id: 'pc1', __proto__: { max_wait_time: 5 } });
    const error = protocolErrorOf(() => decodeNodelist('NotifyDeletePending', [{ nodelist: [poisonedEntry] }]));
    expect(error.field).toBe('nodelist[0].max_wait_time');
    const countdown = decodeCountdown([{ nodelist: [poisonedEntry] }]);
    expect([countdown.nodes, countdown.entries[0]?.problem]).toEqual([
      [],
      'nodelist[0].max_wait_time: missing, expected a whole number of seconds ≥ 0',
    ]);
    // A plain object whose prototype was swapped (what the stock deserializer builds): inherited fields do not count.
    const swapped = Object.setPrototypeOf({ node_id: 'pc1' }, { max_wait_time: 5 }) as object;
    expect(protocolErrorOf(() => decodeNodelist('NotifyDeletePending', [{ nodelist: [swapped] }])).field).toBe(
      'nodelist[0].max_wait_time',
    );
  });

  it('returns plain entries that carry no prototype tricks', () => {
    const [entry] = decodeNodelist('SetResourceValues', [
      { nodelist: [nullProtoStruct({ node_id: 'pc1', constructor: 'x' })] },
    ]);
    expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    expect(Object.keys(entry ?? {})).toEqual(['node_id', 'value']);
  });
});

describe('params nesting', () => {
  it('refuses nesting past the depth limit without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const error = protocolErrorOf(() => checkNesting([deep]));
    expect([error.code, error.field]).toEqual([ProtoGeniCode.BADARGS, 'params']);
    const fourDeep = [[[['leaf']]]];
    expect(() => checkNesting([fourDeep], 4)).not.toThrow();
    expect(() => checkNesting([[fourDeep]], 4)).toThrow(ProtocolError);
  });

  it('counts structs as levels too, and a deep value anywhere in a call is refused before any entry is read', () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = nullProtoStruct({ inner: deep });
    const error = protocolErrorOf(() =>
      decodeNodelist('SetResourceValues', [{ nodelist: [{ node_id: 'pc1', extra: deep }] }]),
    );
    expect([error.code, error.field]).toEqual([ProtoGeniCode.BADARGS, 'params']);
  });

  it('decoded params carry the depth their decoder measured, with the same verdict as the walk', () => {
    const arrays = (depth: number) =>
      `${'<value><array><data>'.repeat(depth)}<value>leaf</value>${'</data></array></value>'.repeat(depth)}`;
    const call = (depth: number) => {
      // The param's struct, the nodelist and its entry are 3 levels; `extra` adds `depth` more.
      const entry = `<value><struct><member><name>node_id</name><value>pc1</value></member><member><name>extra</name>${arrays(depth)}</member></struct></value>`;
      const text = `<methodCall><methodName>SetResourceValues</methodName><params><param><value><struct><member><name>nodelist</name><value><array><data>${entry}</data></array></value></member></struct></value></param></params></methodCall>`;
      return decodeCallText(text).params;
    };
    for (const [depth, limit, refused] of [
      [29, 32, false],
      [30, 32, true],
      [2, 4, true],
      [1, 4, false],
    ] as const) {
      const params = call(depth);
      const walked = structuredClone(params); // a copy the decoder never measured: checkNesting walks it
      const outcome = (p: unknown[]) =>
        (() => {
          try {
            checkNesting(p, limit);
            return 'accepted';
          } catch (e) {
            return (e as ProtocolError).field;
          }
        })();
      expect([depth, outcome(params)]).toEqual([depth, refused ? 'params' : 'accepted']);
      expect(outcome(walked)).toBe(outcome(params));
    }
  });

  it('does not follow inherited members', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = [deep];
    const inherits = Object.setPrototypeOf({ node_id: 'pc1' }, { extra: deep }) as object;
    expect(() => checkNesting([{ nodelist: [inherits] }])).not.toThrow();
  });
});
