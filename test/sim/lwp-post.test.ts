import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callClient } from '../../src/sim/client-caller.js';
import { perlResponse, protoGeniReply } from '../../src/sim/perl-xml.js';

/** A bare TCP server that records what arrives and answers as `answer` says. */
async function rawServer(
  answer: (socket: Socket, request: string) => void,
): Promise<{ server: Server; url: URL; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
      if (split !== -1 && text.length - split - 4 >= length) {
        requests.push(text);
        answer(socket, text);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/dynslice/tok`),
    requests,
  };
}

describe('the simulated cluster calls the endpoint as CloudLab’s Perl LWP client does', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('HTTP/1.0 POST with Connection: close, text/xml, one fresh connection per call', async () => {
    const raw = await rawServer((socket) => {
      const body = perlResponse(protoGeniReply(0));
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    server = raw.server;
    const result = await callClient(
      raw.url,
      'NotifyDeleteComplete',
      { nodelist: [{ node_id: 'pc1', max_wait_time: 0 }] },
      { timeoutMs: 2_000 },
    );
    expect(result).toMatchObject({ code: 0, value: 0, output: '' });
    const [request] = raw.requests;
    const [head = '', body = ''] = request!.split('\r\n\r\n');
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('POST /dynslice/tok HTTP/1.0');
    expect(lines).toContain('Connection: close');
    expect(lines).toContain('Content-Type: text/xml');
    expect(body).toContain('<methodName>NotifyDeleteComplete</methodName>');
    expect(body).toContain('<name>max_wait_time</name><value><i4>0</i4></value>');
  });

  it('a reply that never comes is a timeout; a dropped reply is not read', async () => {
    const silent = await rawServer(() => undefined);
    server = silent.server;
    expect((await callClient(silent.url, 'NotifyDeletePending', { nodelist: [] }, { timeoutMs: 150 })).failure).toMatch(
      /^timeout/,
    );
    const body = perlResponse(protoGeniReply(0));
    silent.server.close();
    const answering = await rawServer((socket) =>
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
    );
    server = answering.server;
    const dropped = await callClient(
      answering.url,
      'NotifyDeletePending',
      { nodelist: [] },
      { timeoutMs: 2_000, dropReply: true },
    );
    expect(dropped).toMatchObject({ code: null });
    expect(dropped.failure).toMatch(/^reply-dropped/);
    expect(answering.requests).toHaveLength(1);
  });

  it('an HTTP error or a body that is not XML-RPC is reported, never thrown', async () => {
    const raw = await rawServer((socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden'));
    server = raw.server;
    expect((await callClient(raw.url, 'GetVersion', {}, { timeoutMs: 2_000 })).failure).toBe('http 403');
  });
});
