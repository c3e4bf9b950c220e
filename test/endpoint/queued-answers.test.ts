import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { keepAlivePost, postXml, sendRaw, statusesIn } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

// Pipelined requests: Node dispatches the second one while the first is still being answered, and
// gives its answer no socket (`res.socket === null`) until the first is written.
const call = perlMethodCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]);
const CHUNK = Buffer.alloc(16 * 1024, 0x20);
/** A head announcing a body over the 1 MiB limit: refused 413 before its body is read. */
const TOO_LARGE = `POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps sending a body until the answer `pattern` arrives, as a caller that streams an upload does. */
function streamUntil(socket: Socket, pattern: RegExp): void {
  let seen = '';
  socket.on('data', (chunk: Buffer) => void (seen += chunk.toString('latin1')));
  const pump = (): void => {
    while (!pattern.test(seen) && !socket.destroyed) if (!socket.write(CHUNK)) return void socket.once('drain', pump);
  };
  pump();
}

/** Sends `requests` on a fresh connection, waits until the handler holds the first, then destroys the connection. */
async function destroyWhileQueued(endpoint: TestEndpoint, requests: string): Promise<void> {
  const calls = endpoint.handlers.calls.length;
  const socket = connect(endpoint.port, '127.0.0.1').on('error', () => {});
  socket.write(requests);
  await expect.poll(() => endpoint.handlers.calls.length).toBe(calls + 1);
  // Gives the server time to read the queued request behind it (same packet).
  await pause(100);
  socket.destroy();
}

const connections = (endpoint: TestEndpoint): Promise<number> =>
  new Promise((resolve, reject) => endpoint.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

describe('an answer queued behind another one on its connection', () => {
  let endpoint: TestEndpoint;
  afterEach(() => endpoint.close());

  describe('with one call slot', () => {
    beforeEach(async () => {
      endpoint = await startTestEndpoint({ handlerTimeoutMs: 300, maxConcurrentRequests: 1 });
      endpoint.handlers.behaviour = 'hang';
    });

    it('a refusal queued behind a call being answered reaches a caller still sending, without a reset', async () => {
      const answers = [];
      for (let i = 0; i < 5; i += 1) {
        answers.push(
          await sendRaw(endpoint.port, keepAlivePost('/dynslice', call) + TOO_LARGE, (socket) =>
            streamUntil(socket, /HTTP\/1\.1 413/),
          ),
        );
      }
      expect(answers.map((answer) => [statusesIn(answer.text), answer.reset])).toEqual(
        Array.from({ length: 5 }, () => [[200, 413], false]),
      );
    });

    it('a refusal queued when its connection is destroyed leaves no connection, and the slot serves again', async () => {
      await destroyWhileQueued(endpoint, keepAlivePost('/dynslice', call) + TOO_LARGE);
      await expect.poll(() => connections(endpoint), { timeout: 2000 }).toBe(0);
      // The held call ends with SERVERERROR when the handler timeout passes; then the slot is free.
      await pause(400);
      endpoint.handlers.behaviour = 'answer';
      expect((await postXml(endpoint.port, call)).status).toBe(200);
    });
  });

  it('a call queued when its connection is destroyed holds no call slot once the call before it ends', async () => {
    endpoint = await startTestEndpoint({ handlerTimeoutMs: 300, maxConcurrentRequests: 2 });
    endpoint.handlers.behaviour = 'hang';
    await destroyWhileQueued(endpoint, keepAlivePost('/dynslice', call) + keepAlivePost('/dynslice', call));
    await expect.poll(() => connections(endpoint), { timeout: 2000 }).toBe(0);
    await pause(400);
    // Both slots free: two calls held at once both reach the handler, neither is refused 503.
    const calls = endpoint.handlers.calls.length;
    const held = [postXml(endpoint.port, call), postXml(endpoint.port, call)];
    await expect.poll(() => endpoint.handlers.calls.length, { timeout: 2000 }).toBe(calls + 2);
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200]);
  });
});
