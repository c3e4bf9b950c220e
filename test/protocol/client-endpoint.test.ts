import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type CallOutcome, createClientEndpoint } from '../../src/protocol/client-endpoint.js';
import { isFault, ProtoGeniCode, XmlRpcFaultCode } from '../../src/protocol/codes.js';
import { wireInt } from '../../src/protocol/envelope.js';
import { RecordingHandlers } from '../helpers/xmlrpc-fake-handlers.js';

function endpointWithFakes(handlerTimeoutMs = 10_000) {
  const handlers = new RecordingHandlers();
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  return { handlers, logLines, endpoint: createClientEndpoint({ handlers, logger, handlerTimeoutMs }) };
}

function codeOf(outcome: CallOutcome): number {
  if (isFault(outcome)) throw new Error(`unexpected fault ${outcome.faultCode}`);
  return outcome.code.value;
}

describe('client endpoint dispatch', () => {
  it('answers GetVersion with code 0, value 0 and the version in output, with or without params', async () => {
    const { endpoint } = endpointWithFakes();
    const expected = { code: wireInt(0), value: wireInt(0), output: '1.0' };
    expect(await endpoint.handleCall('GetVersion', [])).toEqual(expected);
    expect(await endpoint.handleCall('GetVersion', [{ anything: 'at all' }])).toEqual(expected);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'NotFound', 'getVersion', ''])(
    'treats %j as an unknown method (fault -32601)',
    async (name) => {
      const { endpoint, handlers } = endpointWithFakes();
      const outcome = await endpoint.handleCall(name, [{ nodelist: [] }]);
      expect(isFault(outcome) && outcome.faultCode).toBe(XmlRpcFaultCode.METHOD_NOT_FOUND);
      expect(handlers.calls).toEqual([]);
    },
  );

  it('echoes the countdown with released nodes at 0, the others keeping their wait, unknown members included', async () => {
    const { endpoint, handlers, logLines } = endpointWithFakes();
    handlers.released = new Set(['pc2']);
    const nodelist = [
      { node_id: 'pc1', client_id: 'node-1', max_wait_time: 240, extra: 'echoed' },
      { node_id: 'pc2', client_id: 'node-2', component_urn: 'urn:x', max_wait_time: 240 },
    ];
    const outcome = await endpoint.handleCall('NotifyDeletePending', [{ nodelist }]);
    expect(outcome).toEqual({
      code: wireInt(0),
      value: [
        { node_id: 'pc1', client_id: 'node-1', max_wait_time: wireInt(240), extra: 'echoed' },
        { node_id: 'pc2', client_id: 'node-2', component_urn: 'urn:x', max_wait_time: wireInt(0) },
      ],
      output: '',
    });
    // The log line of the reply names the nodes it releases.
    expect(logLines.find((l) => l.msg === 'countdown reply releases')).toMatchObject({ released: ['pc2'], count: 1 });
    expect(handlers.calls).toEqual([
      {
        handler: 'notifyDeletePending',
        nodes: [
          { node_id: 'pc1', client_id: 'node-1', max_wait_time: 240 },
          { node_id: 'pc2', client_id: 'node-2', component_urn: 'urn:x', max_wait_time: 240 },
        ],
      },
    ]);
  });

  it.each([
    ['SetResourceValues', { node_id: 'pc1', value: 'high' }, 'nodelist[1].value'],
    ['NotifyDeleteComplete', { node_id: 'pc1', max_wait_time: 'soon' }, 'nodelist[1].max_wait_time'],
  ])('answers a bad %s entry with BADARGS for the whole call and calls no handler', async (method, entry, field) => {
    const { endpoint, handlers } = endpointWithFakes();
    const outcome = await endpoint.handleCall(method, [{ nodelist: [{ node_id: 'pc2' }, entry] }]);
    expect(codeOf(outcome)).toBe(ProtoGeniCode.BADARGS);
    expect(!isFault(outcome) && outcome.output).toContain(field);
    expect(handlers.calls).toEqual([]);
  });

  it('answers a bad countdown entry alone: code 0, the entry echoed as it came and not applied', async () => {
    const { endpoint, handlers } = endpointWithFakes();
    handlers.released = new Set(['pc1']);
    const outcome = await endpoint.handleCall('NotifyDeletePending', [
      { nodelist: [{ node_id: 'pc1', max_wait_time: 'soon' }] },
    ]);
    expect(outcome).toEqual({
      code: wireInt(0),
      value: [{ node_id: 'pc1', max_wait_time: 'soon' }],
      output: 'nodelist[0].max_wait_time: expected a whole number of seconds ≥ 0 (entry not applied)',
    });
    expect(handlers.calls).toEqual([{ handler: 'notifyDeletePending', nodes: [] }]);
  });

  it('turns a handler failure into SERVERERROR with a generic output and logs the detail', async () => {
    const { endpoint, handlers, logLines } = endpointWithFakes();
    handlers.behaviour = 'throw';
    const outcome = await endpoint.handleCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1' }] }]);
    expect(codeOf(outcome)).toBe(ProtoGeniCode.SERVERERROR);
    expect(JSON.stringify(outcome)).not.toContain('secret detail');
    expect(JSON.stringify(logLines)).toContain('secret detail');
  });

  it('answers SERVERERROR when a handler never settles', async () => {
    const { endpoint, handlers, logLines } = endpointWithFakes(50);
    handlers.behaviour = 'hang';
    const outcome = await endpoint.handleCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]);
    expect(codeOf(outcome)).toBe(ProtoGeniCode.SERVERERROR);
    expect(logLines.some((line) => line.msg === 'client endpoint handler timed out')).toBe(true);
  });
});
