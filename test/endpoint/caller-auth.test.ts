import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/endpoint/token-path.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';
import { postXml, sendRaw } from '../helpers/xmlrpc-raw-http.js';
import { type GuardedAgent, NODE_IDS, startGuardedAgent } from './guarded-agent.js';

const countdown = perlMethodCall('NotifyDeletePending', [
  { nodelist: NODE_IDS.map((id, i) => ({ node_id: id, client_id: `node${i + 1}`, max_wait_time: 600 })) },
]);
const replyCodeIn = (xml: string): number | undefined => {
  const match = /<name>code<\/name><value><int>(\d+)<\/int>/.exec(xml);
  return match ? Number(match[1]) : undefined;
};

describe('a token in the URL path', () => {
  const token = generateToken();
  let guarded: GuardedAgent;
  beforeAll(async () => (guarded = await startGuardedAgent({ token })));
  afterAll(() => guarded.close());

  it.each([
    ['no token', '/dynslice'],
    ['no token, trailing slash', '/dynslice/'],
    ['a wrong token', `/dynslice/${generateToken()}`],
    ['a prefix of the token', `/dynslice/${token.slice(0, -1)}`],
    ['the token and one more character', `/dynslice/${token}x`],
    ['the token and a slash', `/dynslice/${token}/`],
    ['the token under another path', `/RPC2/${token}`],
    ['the token alone', `/${token}`],
    ['the token in the query string', `/dynslice?${token}`],
    [
      'the token percent-encoded',
      `/dynslice/${encodeURIComponent(token).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
    ],
  ])('refuses %s with 403 and changes no node', async (_, path) => {
    const before = guarded.states();
    const response = await postXml(guarded.port, countdown, { path });
    expect(response.status).toBe(403);
    expect(guarded.states()).toBe(before);
    expect(guarded.runner.calls).toEqual([]);
  });

  it('refuses a wrong token before reading the body, and sends no 100 Continue', async () => {
    const head =
      `POST /dynslice/${generateToken()} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n` +
      `Expect: 100-continue\r\nContent-Length: ${512 * 1024}\r\n\r\n`;
    const response = await sendRaw(guarded.port, head);
    expect(response.status).toBe(403);
    expect(response.headers.connection).toBe('close');
  });

  it('never writes the token into the log, even for refused calls', () => {
    const text = JSON.stringify(guarded.lines);
    expect(guarded.lines.some((line) => line.msg === 'xml-rpc request refused' && line.reason === 'wrong-path')).toBe(
      true,
    );
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(0, 12));
  });

  it('serves Python’s xmlrpc.client at the registered URL, which holds the token', async () => {
    expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/dynslice/${token}`);
    const [answer] = await callWithPython(guarded.url, [{ method: 'GetVersion' }]);
    expect(answer).toEqual({ result: { code: 0, value: 0, output: '1.0' } });
  });

  // Last: it is the call that does change the machines, which shows the checks above could fail.
  it('lets the same countdown through with the token, and the nodes start draining', async () => {
    const before = guarded.states();
    const response = await postXml(guarded.port, countdown, { path: `/dynslice/${token}` });
    expect([response.status, replyCodeIn(response.body)]).toEqual([200, 0]);
    expect(guarded.states()).not.toBe(before);
    expect(guarded.agent.slice.list().map((node) => node.ensureStarted().getSnapshot().matches('draining'))).toEqual([
      true,
      true,
      true,
    ]);
  });
});

describe('a source allow-list', () => {
  it('refuses a caller outside endpoint.allow with 403 and changes no node', async () => {
    const guarded = await startGuardedAgent({ allow: ['10.0.0.0/8', '::1/128', '127.0.0.2'] });
    try {
      const before = guarded.states();
      const response = await postXml(guarded.port, countdown);
      expect(response.status).toBe(403);
      expect(guarded.states()).toBe(before);
      expect(guarded.lines.find((line) => line.msg === 'xml-rpc request refused')).toMatchObject({
        reason: 'source-not-allowed',
        remoteAddress: '127.0.0.1',
      });
    } finally {
      await guarded.close();
    }
  });

  it('serves a caller inside endpoint.allow', async () => {
    const guarded = await startGuardedAgent({ allow: ['127.0.0.0/8'] });
    try {
      const response = await postXml(guarded.port, countdown);
      expect([response.status, replyCodeIn(response.body)]).toEqual([200, 0]);
    } finally {
      await guarded.close();
    }
  });

  it('judges an IPv6 caller by the IPv6 ranges', async () => {
    const refusing = await startGuardedAgent({ allow: ['127.0.0.0/8'] }, { host: '::1' });
    const serving = await startGuardedAgent({ allow: ['::1/128'] }, { host: '::1' });
    try {
      // Sent 200 ms after connecting, as on a loaded machine: the request reaches the agent after
      // it answered 403 and closed its side, and must not cost the caller that answer (a reset).
      const refused = await callWithPython(refusing.url, [{ method: 'GetVersion' }], { sendAfterMs: 200 }).catch(
        (error: Error) => error.message,
      );
      expect(String(refused)).toMatch(/ProtocolError: <ProtocolError for \[::1\]:\d+\/dynslice: 403 Forbidden>/);
      expect(await callWithPython(serving.url, [{ method: 'GetVersion' }])).toEqual([
        { result: { code: 0, value: 0, output: '1.0' } },
      ]);
    } finally {
      await Promise.all([refusing.close(), serving.close()]);
    }
  });
});
