import { Agent, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml, sendRaw } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

const faultCodeIn = (xml: string): number | undefined =>
  Number(/<name>faultCode<\/name><value><int>(-?\d+)<\/int>/.exec(xml)?.[1] ?? Number.NaN) || undefined;
const replyCodeIn = (xml: string): number | undefined => {
  const match = /<methodResponse><params><param><value><struct><member><name>code<\/name><value><int>(\d+)<\/int>/.exec(
    xml,
  );
  return match ? Number(match[1]) : undefined;
};

const GET_VERSION = perlMethodCall('GetVersion', []);
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<methodCall><methodName>&lol3;</methodName><params/></methodCall>`;
const DEEP_ARRAYS = 100_000;
const deeplyNested = `<?xml version="1.0"?><methodCall><methodName>SetResourceValues</methodName><params><param><value><struct><member><name>nodelist</name><value><array><data>${'<value><array><data>'.repeat(DEEP_ARRAYS)}${'</data></array></value>'.repeat(DEEP_ARRAYS)}</data></array></value></member></struct></value></param></params></methodCall>`;
const pending = (entry: PerlValue) => perlMethodCall('NotifyDeletePending', [{ nodelist: [entry] }]);
const poisoned = GET_VERSION.replace('GetVersion', 'NotifyDeletePending').replace(
  '<params>\n',
  '<params>\n<param><value><struct><member><name>nodelist</name><value><array><data><value><struct>' +
    '<member><name>node_id</name><value>pc1</value></member>' +
    '<member><name>__proto__</name><value><struct><member><name>max_wait_time</name><value><i4>5</i4></value></member></struct></value></member>' +
    '</struct></value></data></array></value></member></struct></value></param>',
);

describe('bad input through the real server', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => (endpoint = await startTestEndpoint({ maxBodyBytes: 8 * 1024 * 1024, maxNodesPerCall: 3 })));
  afterAll(() => endpoint.close());
  beforeEach(() => {
    endpoint.handlers.calls.length = 0;
    endpoint.handlers.released = new Set();
  });

  async function expectStillServing(): Promise<void> {
    const response = await postXml(endpoint.port, GET_VERSION);
    expect(replyCodeIn(response.body)).toBe(0);
    expect(endpoint.handlers.calls).toEqual([]);
  }

  it.each([
    ['malformed XML', '<methodCall><methodName>GetVersion</methodCall>', -32700],
    ['truncated XML', GET_VERSION.slice(0, GET_VERSION.length - 30), -32700],
    ['an empty body', '', -32700],
    ['a billion-laughs DOCTYPE', BILLION_LAUGHS, -32700],
    ['a body that is not XML', 'nodelist=pc1', -32700],
    ['an unknown method', perlMethodCall('NotFound', [{}]), -32601],
    ['a __proto__ method name', perlMethodCall('__proto__', [{}]), -32601],
  ])('answers %s with an XML-RPC fault %i over HTTP 200', async (_, body, faultCode) => {
    const response = await postXml(endpoint.port, body);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/xml');
    expect(faultCodeIn(response.body)).toBe(faultCode);
    await expectStillServing();
  });

  it.each([
    [
      'max_wait_time "soon"',
      pending({ node_id: 'pc1', max_wait_time: 'soon' }),
      'nodelist[0].max_wait_time: expected a whole number of seconds ≥ 0',
      '<member><name>max_wait_time</name><value><string>soon</string></value></member>',
    ],
    [
      'a __proto__ member supplying max_wait_time',
      poisoned,
      'nodelist[0].max_wait_time: missing, expected a whole number of seconds ≥ 0',
      '<member><name>__proto__</name><value><struct><member><name>max_wait_time</name><value><int>5</int></value></member></struct></value></member>',
    ],
  ])(
    'answers a countdown whose only entry has %s with code 0, the entry echoed and applied to no node',
    async (_, body, problem, echoed) => {
      // The agent's answer names pc1: an entry that was not applied is still never released.
      endpoint.handlers.released = new Set(['pc1']);
      const response = await postXml(endpoint.port, body);
      expect(response.status).toBe(200);
      expect(replyCodeIn(response.body)).toBe(0);
      expect(response.body).toContain(`<name>output</name><value><string>${problem} (entry not applied)</string>`);
      expect(response.body).toContain(echoed);
      expect(response.body).not.toContain('<name>max_wait_time</name><value><int>0</int>');
      expect(endpoint.handlers.calls).toEqual([{ handler: 'notifyDeletePending', nodes: [] }]);
      expect(({} as Record<string, unknown>).max_wait_time).toBeUndefined();
      endpoint.handlers.calls.length = 0;
      await expectStillServing();
    },
  );

  it.each([
    ['value 2.5', perlMethodCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1', value: 2.5 }] }]), 1],
    ['nodelist not an array', perlMethodCall('SetResourceValues', [{ nodelist: 'pc1' }]), 1],
    ['an entry that is not a struct', perlMethodCall('SetResourceValues', [{ nodelist: ['pc1'] }]), 1],
    ['a missing nodelist', perlMethodCall('NotifyDeleteComplete', [{ nodes: [] }]), 1],
    ['100,000 nested arrays', deeplyNested, 1],
    [
      'more nodes than maxNodesPerCall',
      perlMethodCall('SetResourceValues', [{ nodelist: ['a', 'b', 'c', 'd'].map((id) => ({ node_id: id })) }]),
      6,
    ],
  ])('answers %s with a normal reply of code %i and calls no handler', async (_, body, code) => {
    const response = await postXml(endpoint.port, body);
    expect(response.status).toBe(200);
    expect(replyCodeIn(response.body)).toBe(code);
    expect(({} as Record<string, unknown>).max_wait_time).toBeUndefined();
    await expectStillServing();
  });

  it('answers GET with 405 and Allow: POST, and another path with 404', async () => {
    const get = await sendRaw(endpoint.port, 'GET /dynslice HTTP/1.0\r\n\r\n');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    const elsewhere = await postXml(endpoint.port, GET_VERSION, { path: '/RPC2' });
    expect(elsewhere.status).toBe(404);
    const prefix = await postXml(endpoint.port, GET_VERSION, { path: '/dynslice/x' });
    expect(prefix.status).toBe(404);
    await expectStillServing();
  });
});

describe('oversized and slow requests', () => {
  let endpoint: TestEndpoint;
  beforeAll(
    async () =>
      (endpoint = await startTestEndpoint({
        maxBodyBytes: 64 * 1024,
        headersTimeoutMs: 300,
        requestTimeoutMs: 600,
        handlerTimeoutMs: 200,
      })),
  );
  afterAll(() => endpoint.close());

  it('refuses an announced Content-Length over the limit with 413 before reading the body', async () => {
    const head = `POST /dynslice HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`;
    const response = await sendRaw(endpoint.port, head);
    expect(response.status).toBe(413);
  });

  it('stops reading a chunked body at the limit and answers 413', async () => {
    const head = 'POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunk = `4000\r\n${'x'.repeat(0x4000)}\r\n`;
    // 64 MiB on offer: a server that kept reading would take it all; one that stopped leaves it unsent.
    const offered = 4096;
    let sent = 0;
    const pump = (socket: Socket): void => {
      while (!socket.destroyed && sent < offered && socket.write(chunk)) sent++;
      if (!socket.destroyed && sent < offered) socket.once('drain', () => pump(socket));
    };
    const response = await sendRaw(endpoint.port, head, pump);
    console.info(`chunked 413: ${sent} of ${offered} 16 KiB chunks accepted by the socket, reset=${response.reset}`);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(offered);
  });

  it('answers 100-continue requests over the limit with 413 and no 100', async () => {
    const head = `POST /dynslice HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${1024 * 1024}\r\n\r\n`;
    const response = await sendRaw(endpoint.port, head);
    expect(response.status).toBe(413);
  });

  it('drops a client that never finishes its headers', async () => {
    const started = Date.now();
    const response = await sendRaw(endpoint.port, 'POST /dynslice HTTP/1.1\r\nHost: x\r\n');
    expect([0, 408]).toContain(response.status);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('drops a client that never finishes its body', async () => {
    const head = 'POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<methodCall>';
    const response = await sendRaw(endpoint.port, head);
    expect([0, 408]).toContain(response.status);
    expect(endpoint.handlers.calls).toEqual([]);
  });

  it('answers SERVERERROR when the agent never settles a call', async () => {
    endpoint.handlers.behaviour = 'hang';
    const response = await postXml(
      endpoint.port,
      perlMethodCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1' }] }]),
    );
    endpoint.handlers.behaviour = 'answer';
    expect(replyCodeIn(response.body)).toBe(5);
  });

  it('serves several calls over one HTTP/1.1 keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (): Promise<{ body: string; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          endpoint.url,
          { method: 'POST', agent, headers: { 'Content-Type': 'text/xml' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ body, reused: req.reusedSocket }));
          },
        );
        req.on('error', reject);
        req.end(GET_VERSION);
      });
    const first = await post();
    const second = await post();
    agent.destroy();
    expect([replyCodeIn(first.body), replyCodeIn(second.body)]).toEqual([0, 0]);
    expect(second.reused).toBe(true);
  });
});

describe('a caller the agent does not accept', () => {
  it('is refused with 403 before its body is read, and no handler is called', async () => {
    const endpoint = await startTestEndpoint({ allowRequest: (req) => req.headers['x-caller'] !== 'intruder' });
    try {
      const refused = await postXml(endpoint.port, GET_VERSION, { headers: { 'X-Caller': 'intruder' } });
      expect(refused.status).toBe(403);
      expect(endpoint.logLines.some((line) => line.msg === 'xml-rpc call answered')).toBe(false);
      const accepted = await postXml(endpoint.port, GET_VERSION);
      expect(replyCodeIn(accepted.body)).toBe(0);
    } finally {
      await endpoint.close();
    }
  });
});
