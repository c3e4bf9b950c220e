import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

const values = perlMethodCall('SetResourceValues', [
  { nodelist: [{ node_id: 'pc1', client_id: 'node1', value: 0.5 }] },
]);
const replyCodeIn = (xml: string): number | undefined => {
  const match = /<name>code<\/name><value><int>(\d+)<\/int>/.exec(xml);
  return match ? Number(match[1]) : undefined;
};
/** A POST whose body is left unfinished: the caller is still sending it. */
function startBody(port: number): Socket {
  const socket = connect(port, '127.0.0.1').on('error', () => {});
  socket.write(
    `POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(values)}\r\n\r\n${values.slice(0, 20)}`,
  );
  return socket;
}

describe('a cap on concurrent requests', () => {
  let endpoint: TestEndpoint;
  const open: Socket[] = [];
  beforeAll(async () => {
    // No minimum body rate here: these callers stall on purpose.
    endpoint = await startTestEndpoint({ maxConcurrentRequests: 2, handlerTimeoutMs: 1500, minBodyBytesPerSecond: 0 });
  });
  beforeEach(() => void (endpoint.handlers.calls.length = 0));
  afterAll(async () => {
    for (const socket of open) socket.destroy();
    await endpoint.close();
  });

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

  it('gives no slot to callers still sending their body, however many', async () => {
    endpoint.handlers.behaviour = 'answer';
    open.push(...Array.from({ length: 4 }, () => startBody(endpoint.port)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const served = await postXml(endpoint.port, values);
    expect([served.status, replyCodeIn(served.body)]).toEqual([200, 0]);
  });

  it('answers 503 to a body that ends while every slot is busy, and applies nothing of it', async () => {
    const late = startBody(endpoint.port);
    open.push(late);
    endpoint.handlers.behaviour = 'hang';
    const held = [postXml(endpoint.port, values), postXml(endpoint.port, values)];
    await expect.poll(() => endpoint.handlers.calls.length).toBe(2);
    const answer = new Promise<string>((resolve) =>
      late.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
    );
    late.write(values.slice(20));
    expect(await answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(endpoint.handlers.calls).toHaveLength(2);
    endpoint.handlers.behaviour = 'answer';
    await Promise.all(held);
  });
});
