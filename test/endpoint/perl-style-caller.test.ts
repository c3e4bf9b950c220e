import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../helpers/xmlrpc-fake-handlers.js';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { callWithPython, decodeWithPython } from '../helpers/xmlrpc-python.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

interface Scenario {
  name: string;
  method: string;
  /** As CloudLab's Perl side encodes it: <i4> for whole numbers, untyped strings. */
  perl: PerlValue[];
  /** The same call as a Python caller writes it. */
  python: unknown[];
}

const scenarios: Scenario[] = [
  { name: 'GetVersion without a param', method: 'GetVersion', perl: [], python: [] },
  {
    name: 'SetResourceValues with a value of exactly 1 as <i4> and an all-digit node_id',
    method: 'SetResourceValues',
    perl: [
      {
        nodelist: [
          { node_id: 'pc101', value: 1, client_id: 'node-1' },
          { node_id: 4242, value: 0.5 },
          { node_id: 'pc7' },
        ],
      },
    ],
    python: [
      {
        nodelist: [
          { node_id: 'pc101', value: 1.0, client_id: 'node-1' },
          { node_id: '4242', value: 0.5 },
          { node_id: 'pc7' },
        ],
      },
    ],
  },
  {
    name: 'NotifyDeletePending with <int> max_wait_time',
    method: 'NotifyDeletePending',
    perl: [
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: { $int: 180 } },
          { node_id: 4242, client_id: 'node-2', max_wait_time: { $int: 180 } },
        ],
      },
    ],
    // The echo keeps each member's type: an id sent as an int comes back as one.
    python: [
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: 180 },
          { node_id: 4242, client_id: 'node-2', max_wait_time: 180 },
        ],
      },
    ],
  },
  {
    name: 'NotifyDeleteComplete with <i4> max_wait_time',
    method: 'NotifyDeleteComplete',
    perl: [{ nodelist: [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }] }],
    python: [{ nodelist: [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }] }],
  },
  {
    name: 'a bad max_wait_time',
    method: 'NotifyDeletePending',
    perl: [{ nodelist: [{ node_id: 'pc101', max_wait_time: 'soon' }] }],
    python: [{ nodelist: [{ node_id: 'pc101', max_wait_time: 'soon' }] }],
  },
  { name: 'an unknown method', method: 'RenewSlice', perl: [{}], python: [{}] },
];

describe('the endpoint called like CloudLab: HTTP/1.0, Connection: close, Perl-typed XML', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => (endpoint = await startTestEndpoint()));
  afterAll(() => endpoint.close());
  beforeEach(() => {
    endpoint.handlers.calls.length = 0;
    endpoint.handlers.released = new Set(['4242']);
  });

  it.each(scenarios)('gives the same answer and handler call as Python for $name', async (scenario) => {
    const raw = await postXml(endpoint.port, perlMethodCall(scenario.method, scenario.perl));
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/xml');
    const [perlOutcome] = await decodeWithPython([raw.body]);
    const perlCalls: RecordedCall[] = endpoint.handlers.calls.splice(0);

    const [pythonOutcome] = await callWithPython(endpoint.url, [{ method: scenario.method, params: scenario.python }]);
    const pythonCalls: RecordedCall[] = endpoint.handlers.calls.splice(0);

    expect(perlOutcome).toBeDefined();
    expect(perlOutcome).toEqual(pythonOutcome);
    expect(perlCalls).toEqual(pythonCalls);
  });

  it('releases the all-digit node that arrived as <i4> in the countdown echo, where it stays an int', async () => {
    const raw = await postXml(endpoint.port, perlMethodCall(scenarios[2]!.method, scenarios[2]!.perl));
    const [outcome] = await decodeWithPython([raw.body]);
    expect(outcome?.result).toEqual({
      code: 0,
      value: [
        { node_id: 'pc101', client_id: 'node-1', max_wait_time: 180 },
        { node_id: 4242, client_id: 'node-2', max_wait_time: 0 },
      ],
      output: '',
    });
  });

  it('closes the connection after the reply, as an HTTP/1.0 client expects', async () => {
    const raw = await postXml(endpoint.port, perlMethodCall('GetVersion', []));
    expect(raw.status).toBe(200);
    expect(raw.reset).toBe(false);
    expect(raw.headers.connection).toBe('close');
    expect(Number(raw.headers['content-length'])).toBe(Buffer.byteLength(raw.body));
  });
});
