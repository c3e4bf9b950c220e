import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callWithPython } from '../helpers/xmlrpc-python.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';
import { PYTHON_PER_ENTRY } from '../protocol/countdown-bodies.js';

describe("the endpoint called by Python's xmlrpc.client", () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => (endpoint = await startTestEndpoint()));
  afterAll(() => endpoint.close());
  beforeEach(() => {
    endpoint.handlers.calls.length = 0;
    endpoint.handlers.released = new Set();
  });

  it('answers GetVersion with no param and with a struct', async () => {
    const outcomes = await callWithPython(endpoint.url, [
      { method: 'GetVersion' },
      { method: 'GetVersion', params: [{ credentials: [] }] },
    ]);
    const expected = { result: { code: 0, value: 0, output: '1.0' } };
    expect(outcomes).toEqual([expected, expected]);
    expect(endpoint.handlers.calls).toEqual([]);
  });

  it('passes SetResourceValues nodes to the agent and answers code 0', async () => {
    const nodelist = [
      { node_id: 'pc101', value: 0.25, client_id: 'node-1', component_urn: 'urn:publicid:IDN+x+node+pc101' },
      { node_id: 'pc102', value: 1.0 },
      { node_id: 'pc103' },
    ];
    const [outcome] = await callWithPython(endpoint.url, [{ method: 'SetResourceValues', params: [{ nodelist }] }]);
    expect(outcome).toEqual({ result: { code: 0, value: 0, output: '' } });
    expect(endpoint.handlers.calls).toEqual([
      {
        handler: 'setResourceValues',
        nodes: [
          { node_id: 'pc101', value: 0.25, client_id: 'node-1', component_urn: 'urn:publicid:IDN+x+node+pc101' },
          { node_id: 'pc102', value: 1 },
          { node_id: 'pc103', value: 1 },
        ],
      },
    ]);
  });

  it('echoes NotifyDeletePending with released nodes at 0 and the others keeping their wait', async () => {
    endpoint.handlers.released = new Set(['pc102']);
    const nodelist = [
      { node_id: 'pc101', client_id: 'node-1', max_wait_time: 240 },
      { node_id: 'pc102', client_id: 'node-2', max_wait_time: 240 },
      { node_id: 'pc103', client_id: 'node-3', max_wait_time: 0 },
    ];
    const [outcome] = await callWithPython(endpoint.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    expect(outcome).toEqual({
      result: {
        code: 0,
        value: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: 240 },
          { node_id: 'pc102', client_id: 'node-2', max_wait_time: 0 },
          { node_id: 'pc103', client_id: 'node-3', max_wait_time: 0 },
        ],
        output: '',
      },
    });
    expect(endpoint.handlers.calls.map((call) => call.handler)).toEqual(['notifyDeletePending']);
  });

  it('answers NotifyDeleteComplete with code 0', async () => {
    const nodelist = [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }];
    const [outcome] = await callWithPython(endpoint.url, [{ method: 'NotifyDeleteComplete', params: [{ nodelist }] }]);
    expect(outcome).toEqual({ result: { code: 0, value: 0, output: '' } });
    expect(endpoint.handlers.calls).toEqual([
      { handler: 'notifyDeleteComplete', nodes: [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }] },
    ]);
  });

  it('answers an unknown method with fault -32601, also for names an object inherits', async () => {
    const outcomes = await callWithPython(endpoint.url, [
      { method: 'DeleteSlice', params: [{}] },
      { method: 'constructor', params: [{}] },
      { method: 'toString' },
      { method: 'NotFound' },
    ]);
    expect(outcomes.map((outcome) => outcome.fault?.code)).toEqual([-32601, -32601, -32601, -32601]);
    expect(endpoint.handlers.calls).toEqual([]);
  });

  it('answers bad contents of values or deletions with a normal BADARGS reply naming the field', async () => {
    const [values, deletion] = await callWithPython(endpoint.url, [
      { method: 'SetResourceValues', params: [{ nodelist: [{ node_id: 'pc101', value: 2.5 }] }] },
      { method: 'NotifyDeleteComplete', params: [{ nodelist: [{ node_id: 'pc101', max_wait_time: 'soon' }] }] },
    ]);
    expect(values?.result).toEqual({ code: 1, value: 0, output: 'nodelist[0].value: expected a number from 0 to 1' });
    expect(deletion?.result).toMatchObject({ code: 1, value: 0 });
    expect((deletion?.result as { output: string } | undefined)?.output).toContain('nodelist[0].max_wait_time');
    expect(endpoint.handlers.calls).toEqual([]);
  });

  it('answers a countdown entry by entry: a negative wait read as 0, a malformed entry echoed and not applied', async () => {
    // The agent's answer names pc102 too: an entry that was not applied is never released.
    endpoint.handlers.released = new Set(['pc101', 'pc102']);
    const nodelist = PYTHON_PER_ENTRY;
    const [outcome] = await callWithPython(endpoint.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }], {
      tagFloats: true,
    });
    expect(outcome).toEqual({
      result: {
        code: 0,
        // Python sent a float, an int and a string for weight, tags[1] and site: each comes back so.
        value: [{ ...nodelist[0], max_wait_time: 0 }, nodelist[1], nodelist[2]],
        output: 'nodelist[1].max_wait_time: expected a whole number of seconds ≥ 0 (entry not applied)',
      },
    });
    expect(endpoint.handlers.calls).toEqual([
      {
        handler: 'notifyDeletePending',
        nodes: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 },
          { node_id: 'pc103', client_id: 'node-3', max_wait_time: 240 },
        ],
      },
    ]);
  });

  it('logs one line per call with method, node count, code and duration', async () => {
    const before = endpoint.logLines.length;
    const nodelist = [{ node_id: 'pc1' }, { node_id: 'pc2' }];
    await callWithPython(endpoint.url, [{ method: 'SetResourceValues', params: [{ nodelist }] }]);
    const lines = endpoint.logLines.slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'xml-rpc call answered', method: 'SetResourceValues', nodes: 2, code: 0 });
    expect(typeof lines[0]?.ms).toBe('number');
  });
});
