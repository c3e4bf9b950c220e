import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { keepAlivePost, sendRaw, statusesIn } from '../helpers/xmlrpc-raw-http.js';
import { type GuardedAgent, NODE_IDS, startGuardedAgent } from './guarded-agent.js';

const countdown = perlMethodCall('NotifyDeletePending', [
  { nodelist: NODE_IDS.map((id) => ({ node_id: id, max_wait_time: 600 })) },
]);
const head = (length: number): string =>
  `POST /dynslice HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${length}\r\n\r\n`;
/** Past this the sender gives up: far longer than the grace and the rate allow, far shorter than the request timeout. */
const GIVE_UP_MS = 10_000;

/** Sends `body` in `chunkBytes` pieces every `everyMs` until it is sent or the server answers; then `after`, if given. */
function trickle(body: string, chunkBytes: number, everyMs: number, after?: string): (socket: Socket) => void {
  return (socket) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length) socket.write(body.slice(sent, (sent += chunkBytes)));
    }, everyMs);
    const giveUp = setTimeout(() => socket.destroy(), GIVE_UP_MS);
    socket.once('data', () => {
      clearInterval(timer);
      if (after !== undefined) socket.write(body.slice(sent) + after);
      setTimeout(() => socket.end(), 200);
    });
    socket.once('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
    });
  };
}

describe('a minimum body rate (endpoint.minBodyBytesPerSecond)', () => {
  let guarded: GuardedAgent;
  beforeAll(async () => (guarded = await startGuardedAgent({ minBodyBytesPerSecond: 32 * 1024 })));
  afterAll(() => guarded.close());

  it('cuts a body that trickles in with 408 once the grace has passed, and applies nothing sent on that connection', async () => {
    const before = guarded.states();
    const started = performance.now();
    const response = await sendRaw(
      guarded.port,
      head(Buffer.byteLength(countdown)),
      trickle(countdown, 1, 250, keepAlivePost('/dynslice', countdown)),
      {
        allowHalfOpen: true,
      },
    );
    expect(statusesIn(response.text)).toEqual([408]);
    expect(performance.now() - started).toBeLessThan(GIVE_UP_MS);
    expect(guarded.states()).toBe(before);
    expect(guarded.lines.find((line) => line.msg === 'xml-rpc request refused')).toMatchObject({
      status: 408,
      reason: 'body-too-slow',
    });
  });

  it('serves a large body that arrives steadily above the rate', async () => {
    const padded = perlMethodCall('GetVersion', []).replace('<methodCall>', `<methodCall>${' '.repeat(192 * 1024)}`);
    // 16 KiB every 200 ms: 80 KiB/s for about 2.4 s, past the grace.
    const response = await sendRaw(guarded.port, head(Buffer.byteLength(padded)), trickle(padded, 16 * 1024, 200));
    expect(statusesIn(response.text)).toEqual([200]);
    expect(response.body).toContain('<name>code</name><value><int>0</int>');
  });
});
