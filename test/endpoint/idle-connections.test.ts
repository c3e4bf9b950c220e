import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type StatusServer, startStatusServer } from '../../src/observe/status-server.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { keepAlivePost } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';
import { type ObservedAgent, startObservedAgent } from '../observe/observed-agent.js';

// Node's own bounds: a keep-alive connection waits 5 s for its next request; while an answer is
// written, nothing at all unless server.timeout is set. The bound used here is well below both.
const IDLE_MS = 300;
const BOUND_MS = 2500;
const call = perlMethodCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]);

/** Connects, sends `request`, and resolves with the ms from the end of the first answer to the server's close. */
function idleAfterAnswer(port: number, request: string, answered: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let seen = '';
    let at = 0;
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (at === 0 && answered.test(seen)) at = performance.now();
    });
    socket.on('error', reject);
    socket.on('close', () =>
      at === 0 ? reject(new Error(`closed before an answer: ${seen}`)) : resolve(performance.now() - at),
    );
    socket.write(request);
  });
}

/** Connects, sends `request` and never reads what comes back. */
function neverRead(port: number, request: string): Socket {
  const socket = connect(port, '127.0.0.1').on('error', () => {});
  socket.pause();
  socket.write(request);
  return socket;
}

const connectionsOf = (server: { getConnections(cb: (e: Error | null, n: number) => void): void }) =>
  new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

describe('the endpoint closes a connection on which nothing moves', () => {
  let endpoint: TestEndpoint;
  afterEach(() => endpoint.close());

  it('an idle keep-alive connection, after a whole request and answer, within the idle timeout', async () => {
    endpoint = await startTestEndpoint({ idleTimeoutMs: IDLE_MS });
    const ms = await idleAfterAnswer(endpoint.port, keepAlivePost('/dynslice', call), /<\/methodResponse>/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('a caller that stopped reading its answers', async () => {
    endpoint = await startTestEndpoint({ idleTimeoutMs: IDLE_MS, maxBodyBytes: 8 * 1024 * 1024 });
    const nodelist = Array.from({ length: 10_000 }, (_, i) => ({ node_id: `pc${i}`, max_wait_time: 600 }));
    const countdown = perlMethodCall('NotifyDeletePending', [{ nodelist }]);
    const socket = neverRead(endpoint.port, keepAlivePost('/dynslice', countdown).repeat(8));
    try {
      await expect.poll(() => endpoint.handlers.calls.length, { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => connectionsOf(endpoint.server), { timeout: 5000, interval: 100 }).toBe(0);
    } finally {
      socket.destroy();
    }
  });
});

describe('the status server closes a connection on which nothing moves', () => {
  let observed: ObservedAgent;
  let status: StatusServer;
  afterEach(async () => {
    await status.close();
    await observed.stop();
  });
  const start = async (): Promise<number> => {
    observed = await startObservedAgent();
    const logger = captureLogger('warn').logger;
    status = await startStatusServer(observed.agent, { listen: '127.0.0.1:0', logger, idleTimeoutMs: IDLE_MS });
    return Number(new URL(status.url).port);
  };
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

  it('an idle keep-alive connection, after a whole request and answer, within the idle timeout', async () => {
    const port = await start();
    const ms = await idleAfterAnswer(port, get('/api/diagram'), /"states":[\s\S]*\}$/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('a client that stopped reading the dashboard it asked for: its answers are cut', async () => {
    const port = await start();
    const asked = 4;
    const socket = neverRead(port, get('/vendor/mermaid.min.js').repeat(asked));
    // Long past the idle timeout; then read what the server sent before it closed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      setTimeout(() => socket.destroy(), BOUND_MS).unref();
      socket.resume();
    });
    const size = statSync(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js')).size;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received.length).toBeLessThan(asked * size);
  });
});
