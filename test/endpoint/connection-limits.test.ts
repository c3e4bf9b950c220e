import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { type GuardedAgent, startGuardedAgent } from './guarded-agent.js';

const GET_VERSION = perlMethodCall('GetVersion', []);
/** Far less than the headers timeout (10 s), after which the agent closes an idle connection anyway. */
const PATIENCE_MS = 3000;

interface Attached {
  socket: Socket;
  /** What the connection received once the server closed it; null if it was still open after PATIENCE_MS. */
  outcome: Promise<string | null>;
}

/** A connection from `localAddress` (all of 127.0.0.0/8 is loopback) that sends nothing; resolves once connected. */
function attach(port: number, localAddress: string): Promise<Attached> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const outcome = new Promise<string | null>((settle) => {
      const patience = setTimeout(() => settle(null), PATIENCE_MS);
      socket.once('close', () => {
        clearTimeout(patience);
        settle(received);
      });
    });
    socket.once('connect', () => resolve({ socket, outcome })).on('error', reject);
  });
}

describe('connection caps, enforced as connections are accepted', () => {
  let guarded: GuardedAgent;
  const attached: Socket[] = [];
  beforeAll(async () => (guarded = await startGuardedAgent({ maxConnectionsPerSource: 3, maxConnections: 6 })));
  afterEach(() => {
    for (const socket of attached.splice(0)) socket.destroy();
  });
  afterAll(() => guarded.close());
  const attachMany = async (count: number, localAddress: string): Promise<Attached[]> => {
    const list: Attached[] = [];
    for (let i = 0; i < count; i += 1) list.push(await attach(guarded.port, localAddress));
    attached.push(...list.map((entry) => entry.socket));
    return list;
  };
  const callFrom = async (localAddress: string): Promise<number> =>
    (await postXml(guarded.port, GET_VERSION, { localAddress })).status;

  it('closes a connection past endpoint.maxConnectionsPerSource at once with a 503, and serves other sources', async () => {
    const held = await attachMany(3, '127.0.0.2');
    const [extra] = await attachMany(1, '127.0.0.2');
    expect(await extra!.outcome).toMatch(/^HTTP\/1\.1 503 /);
    expect(await callFrom('127.0.0.1')).toBe(200);
    expect(guarded.lines.find((line) => line.reason === 'too-many-connections-from-source')).toMatchObject({
      remoteAddress: '127.0.0.2',
    });
    held[0]!.socket.destroy();
    await expect.poll(() => callFrom('127.0.0.2')).toBe(200);
  });

  it('closes connections past endpoint.maxConnections at once, until one closes', async () => {
    const held = [...(await attachMany(3, '127.0.0.2')), ...(await attachMany(3, '127.0.0.3'))];
    expect(await callFrom('127.0.0.1')).toBe(0);
    held[0]!.socket.destroy();
    await expect.poll(() => callFrom('127.0.0.1')).toBe(200);
  });
});

describe('endpoint.allow, checked as connections are accepted', () => {
  let pki: TestPki;
  const started: GuardedAgent[] = [];
  const sockets: Socket[] = [];
  beforeAll(async () => (pki = await createTestPki()));
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(started.map((guarded) => guarded.close()));
    await pki.remove();
  });

  it('answers a plain HTTP connection from outside the list with 403 before it sends anything', async () => {
    const guarded = await startGuardedAgent({ allow: ['127.0.0.1'] });
    started.push(guarded);
    const { socket, outcome } = await attach(guarded.port, '127.0.0.2');
    sockets.push(socket);
    expect(await outcome).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('lets a refused caller that writes late read the whole 403, never a reset', async () => {
    const guarded = await startGuardedAgent({ allow: ['127.0.0.1'] });
    started.push(guarded);
    // As a slow or loaded caller does: the request goes out after the 403 was written, in two
    // writes (Python's xmlrpc.client sends headers, then the body). Closed at once, the connection
    // answered the first with a reset, and the second write failed with EPIPE or ECONNRESET.
    const outcome = await new Promise<{ received: string; error?: string }>((resolve) => {
      // Half-open as such a caller is: it writes its whole request before it reads the answer.
      const socket = connect({ port: guarded.port, host: '127.0.0.1', localAddress: '127.0.0.2', allowHalfOpen: true });
      sockets.push(socket);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ received, error: error.code ?? error.message }));
      socket.on('close', () => resolve({ received }));
      const body = GET_VERSION;
      const headers = `POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
      setTimeout(() => socket.write(headers), 200);
      setTimeout(() => socket.end(body), 400);
    });
    expect(outcome.error).toBeUndefined();
    // The 403 alone: the request it discarded was never parsed, so nothing answered it.
    expect(outcome.received).toBe('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(guarded.lines.filter((line) => line.reason === 'source-not-allowed')).toHaveLength(1);
  });

  it('closes a TLS connection from outside the list before the handshake', async () => {
    const guarded = await startGuardedAgent({
      allow: ['127.0.0.1'],
      tls: { cert: pki.server.certPath, key: pki.server.keyPath },
    });
    started.push(guarded);
    const handshake = (localAddress: string): Promise<string> =>
      new Promise((resolve) => {
        const tcp = connect({ port: guarded.port, host: '127.0.0.1', localAddress });
        const socket = connectTls({ socket: tcp, ca: pki.server.cert, servername: 'localhost' });
        sockets.push(socket);
        socket.once('secureConnect', () => {
          resolve('handshake done');
          socket.destroy();
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    expect(await handshake('127.0.0.2')).toBe('ECONNRESET');
    expect(await handshake('127.0.0.1')).toBe('handshake done');
  });
});
