import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeCallText } from '../../src/protocol/call-decoder.js';
import { createClientEndpoint } from '../../src/protocol/client-endpoint.js';
import type { NodeEntry } from '../../src/protocol/client-methods.js';
import { isFault, ProtoGeniCode } from '../../src/protocol/codes.js';
import { type ProtoGeniReply, wireInt } from '../../src/protocol/envelope.js';
import { encodeResponse } from '../../src/protocol/reply-encoder.js';
import { RecordingHandlers } from '../helpers/xmlrpc-fake-handlers.js';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import {
  member,
  NEGATIVE_WAITS,
  ONE_BAD_ENTRY,
  ONLY_BAD_ENTRIES,
  struct,
  TYPED_COUNTDOWN,
  TYPED_MEMBERS,
  UNCARRIED_COUNTDOWN,
} from './countdown-bodies.js';

/** An agent double that releases at once every node the cluster cannot wait for (max_wait_time 0), as the agent does. */
class CannotWaitHandlers extends RecordingHandlers {
  override notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    this.released = new Set(nodes.filter((node) => node.max_wait_time === 0).map((node) => node.node_id));
    return super.notifyDeletePending(nodes);
  }
}

function endpointFor(handlers: RecordingHandlers, maxNodesPerCall?: number) {
  const endpoint = createClientEndpoint({ handlers, logger: pino({ level: 'silent' }), maxNodesPerCall });
  return async (method: string, params: readonly unknown[]): Promise<ProtoGeniReply> => {
    const outcome = await endpoint.handleCall(method, params);
    if (isFault(outcome)) throw new Error(`unexpected fault ${outcome.faultCode}`);
    return outcome;
  };
}

/** A call as the codec hands it over: decoded from its XML text. */
const decoded = (xml: string): unknown[] => decodeCallText(xml).params;
const perlCountdown = (nodelist: PerlValue[]): unknown[] =>
  decoded(perlMethodCall('NotifyDeletePending', [{ nodelist }]));
const SOON = 'expected a whole number of seconds ≥ 0';

describe('the countdown reply, entry by entry', () => {
  it('reads a negative max_wait_time as 0: an agent that releases nodes it cannot wait for releases that one', async () => {
    const handlers = new CannotWaitHandlers();
    const call = endpointFor(handlers);
    const reply = await call('NotifyDeletePending', perlCountdown(NEGATIVE_WAITS));
    expect(handlers.calls[0]?.nodes).toEqual([
      { node_id: 'pc1', max_wait_time: 0 },
      { node_id: 'pc2', max_wait_time: 600 },
      { node_id: 'pc3', max_wait_time: 0 },
    ]);
    expect(reply).toEqual({
      code: wireInt(0),
      value: [
        { node_id: 'pc1', max_wait_time: wireInt(0) },
        { node_id: 'pc2', max_wait_time: wireInt(600) },
        { node_id: 'pc3', max_wait_time: wireInt(0) },
      ],
      output: '',
    });
  });

  it('echoes a negative wait as it came when the agent does not release the node, and reads it as 0 on deletion too', async () => {
    const handlers = new RecordingHandlers();
    const call = endpointFor(handlers);
    const reply = await call('NotifyDeletePending', perlCountdown([{ node_id: 'pc1', max_wait_time: -30 }]));
    expect(reply.value).toEqual([{ node_id: 'pc1', max_wait_time: wireInt(-30) }]);
    const deleted = await call(
      'NotifyDeleteComplete',
      decoded(perlMethodCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1', max_wait_time: -5 }] }])),
    );
    expect(deleted.code).toEqual(wireInt(0));
    expect(handlers.calls.map((c) => c.nodes)).toEqual([
      [{ node_id: 'pc1', max_wait_time: 0 }],
      [{ node_id: 'pc1', max_wait_time: 0 }],
    ]);
  });

  it('answers a bad entry among good ones with code 0: the good ones handled, the bad one echoed as it came', async () => {
    const handlers = new RecordingHandlers();
    // The agent's answer names pc2 too: an entry that was not applied is never released.
    handlers.released = new Set(['pc2', 'pc3']);
    const call = endpointFor(handlers);
    const reply = await call('NotifyDeletePending', perlCountdown(ONE_BAD_ENTRY));
    expect(handlers.calls).toEqual([
      {
        handler: 'notifyDeletePending',
        nodes: [
          { node_id: 'pc1', client_id: 'node-1', max_wait_time: 240 },
          { node_id: 'pc3', client_id: 'node-3', max_wait_time: 240 },
        ],
      },
    ]);
    expect(reply).toEqual({
      code: wireInt(0),
      value: [
        { node_id: 'pc1', client_id: 'node-1', max_wait_time: wireInt(240) },
        { node_id: 'pc2', client_id: 'node-2', max_wait_time: 'soon', note: 'from the cluster' },
        { node_id: 'pc3', client_id: 'node-3', max_wait_time: wireInt(0) },
      ],
      output: `nodelist[1].max_wait_time: ${SOON} (entry not applied)`,
    });
  });

  it('answers a countdown whose every entry is bad with code 0 and the echo, and releases none of them', async () => {
    const handlers = new RecordingHandlers();
    handlers.released = new Set(['pc1', 'pc2']);
    const reply = await endpointFor(handlers)('NotifyDeletePending', perlCountdown(ONLY_BAD_ENTRIES));
    expect(reply).toEqual({
      code: wireInt(0),
      value: ONLY_BAD_ENTRIES,
      output:
        `nodelist[0].max_wait_time: missing, ${SOON} (entry not applied); ` +
        `nodelist[1].max_wait_time: ${SOON} (entry not applied); nodelist[2]: expected a struct (entry not applied)`,
    });
    // The agent is still told of the call, with no node: as for an empty nodelist.
    expect(handlers.calls).toEqual([{ handler: 'notifyDeletePending', nodes: [] }]);
  });

  it('names three problems in output, then counts the rest', async () => {
    const nodelist: PerlValue[] = Array.from({ length: 12 }, (_, i) =>
      i % 6 === 0 ? { node_id: `pc${i}`, max_wait_time: 60 } : { node_id: `pc${i}`, max_wait_time: 'soon' },
    );
    const reply = await endpointFor(new RecordingHandlers())('NotifyDeletePending', perlCountdown(nodelist));
    expect(reply.output).toBe(
      `nodelist[1].max_wait_time: ${SOON} (entry not applied); nodelist[2].max_wait_time: ${SOON} (entry not applied); ` +
        `nodelist[3].max_wait_time: ${SOON} (entry not applied); and 7 more (10 of 12 entries not applied)`,
    );
    expect(reply.value).toHaveLength(12);
  });

  it('still refuses the whole call when its envelope is wrong, and tells the agent nothing', async () => {
    const handlers = new RecordingHandlers();
    const call = endpointFor(handlers, 3);
    const deep = Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 'leaf');
    for (const [params, code] of [
      [['pc1'], ProtoGeniCode.BADARGS],
      [[{ nodes: [] }], ProtoGeniCode.BADARGS],
      [[{ nodelist: 'pc1' }], ProtoGeniCode.BADARGS],
      [[{ nodelist: [{ node_id: 'pc1', max_wait_time: 5, extra: deep }] }], ProtoGeniCode.BADARGS],
      [[{ nodelist: ['a', 'b', 'c', 'd'].map((id) => ({ node_id: id, max_wait_time: 5 })) }], ProtoGeniCode.TOOBIG],
    ] as const) {
      const reply = await call('NotifyDeletePending', params);
      expect([reply.code, reply.value]).toEqual([wireInt(code), wireInt(0)]);
    }
    expect(handlers.calls).toEqual([]);
  });
});

describe('the countdown echo', () => {
  it('returns every member with the XML-RPC type it came in, unknown ones and nested values included', async () => {
    const handlers = new RecordingHandlers();
    handlers.released = new Set(['4242']);
    const reply = await endpointFor(handlers)('NotifyDeletePending', decoded(TYPED_COUNTDOWN));
    expect(reply.output).toBe('');
    const echoed = (...members: string[]) => `<value>${struct(...members)}</value>`;
    expect(encodeResponse(reply)).toContain(
      `<array><data>${echoed(...TYPED_MEMBERS.map(([name, , back]) => member(name, back)))}${echoed(
        member('node_id', '<int>4242</int>'),
        member('max_wait_time', '<int>0</int>'),
        member('dup', '<int>2</int>'),
      )}</data></array>`,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn((reply.value as object[])[0] as object, '__proto__')).toBe(true);
  });

  it('leaves out what no reply carries (nil, base64, dateTime, infinity), says so, and still applies the entry', async () => {
    const handlers = new RecordingHandlers();
    const reply = await endpointFor(handlers)('NotifyDeletePending', decoded(UNCARRIED_COUNTDOWN));
    expect(handlers.calls[0]?.nodes.map((node) => node.node_id)).toEqual(['pc1', 'pc2']);
    expect(reply.value).toEqual([
      { node_id: 'pc1', max_wait_time: wireInt(30), note: 'kept' },
      { node_id: 'pc2', max_wait_time: wireInt(30) },
    ]);
    expect(reply.output).toBe(
      'nodelist[0].nothing: a nil value, which replies never carry (left out of the reply); ' +
        'nodelist[0].blob: a base64 value, which replies do not carry (left out of the reply); ' +
        'nodelist[1].when: a dateTime.iso8601 value, which replies do not carry (left out of the reply); ' +
        'and 1 more (0 of 2 entries not applied)',
    );
    expect(() => encodeResponse(reply)).not.toThrow();
  });

  it('leaves out text and member names XML cannot carry, names them escaped, and the reply still encodes', async () => {
    const handlers = new RecordingHandlers();
    const entry = Object.assign(Object.create(null) as Record<string, unknown>, {
      node_id: 'pc1',
      max_wait_time: 30,
      note: 'bell\u0007',
      'bad\u0002name': 'x',
      nested: { deep: ['ok', 'nul\u0000'] },
    });
    const reply = await endpointFor(handlers)('NotifyDeletePending', [{ nodelist: [entry, 'text\u0001'] }]);
    expect(handlers.calls[0]?.nodes).toEqual([{ node_id: 'pc1', max_wait_time: 30 }]);
    expect(reply.value).toEqual([{ node_id: 'pc1', max_wait_time: wireInt(30), nested: { deep: ['ok'] } }]);
    expect(reply.output).toBe(
      'nodelist[0].note: text XML 1.0 cannot carry (left out of the reply); ' +
        'nodelist[0]["bad\\u0002name"]: a member name XML 1.0 cannot carry (left out of the reply); ' +
        'nodelist[0].nested.deep[1]: text XML 1.0 cannot carry (left out of the reply); ' +
        'and 2 more (1 of 2 entries not applied)',
    );
    expect(encodeResponse(reply)).toContain('<member><name>nested</name>');
  });
});
