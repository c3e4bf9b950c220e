import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerGate } from '../../src/endpoint/caller-gate.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

const values = perlMethodCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1', client_id: 'node1', value: 0.5 }] }]);
const replyCodeIn = (xml: string): number | undefined => {
  const match = /<name>code<\/name><value><int>(\d+)<\/int>/.exec(xml);
  return match ? Number(match[1]) : undefined;
};

describe('a cap on concurrent requests', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => {
    endpoint = await startTestEndpoint({ allowRequest: createCallerGate({ maxConcurrentRequests: 2 }), handlerTimeoutMs: 1500 });
  });
  afterAll(() => endpoint.close());

  it('answers 503 with Retry-After past the cap, without reading the body, and serves again once a slot frees', async () => {
    endpoint.handlers.behaviour = 'hang';
    const held = [postXml(endpoint.port, values), postXml(endpoint.port, values)];
    await expect.poll(() => endpoint.handlers.calls.length).toBe(2);
    const refused = await postXml(endpoint.port, values);
    expect([refused.status, refused.headers['retry-after']]).toEqual([503, '1']);
    expect(endpoint.handlers.calls).toHaveLength(2);
    endpoint.handlers.behaviour = 'answer';
    // The two held calls end with SERVERERROR when the handler timeout passes, and free their slots.
    expect((await Promise.all(held)).map((response) => replyCodeIn(response.body))).toEqual([5, 5]);
    const served = await postXml(endpoint.port, values);
    expect([served.status, replyCodeIn(served.body)]).toEqual([200, 0]);
  });

  it('frees the slots of callers that hang up in the middle of their body', async () => {
    endpoint.handlers.behaviour = 'answer';
    const head = `POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<methodCall>`;
    const sockets = [connect(endpoint.port, '127.0.0.1'), connect(endpoint.port, '127.0.0.1')];
    for (const socket of sockets) socket.on('error', () => {}).write(head);
    await expect.poll(async () => (await postXml(endpoint.port, values)).status).toBe(503);
    for (const socket of sockets) socket.destroy();
    await expect.poll(async () => (await postXml(endpoint.port, values)).status).toBe(200);
  });
});
