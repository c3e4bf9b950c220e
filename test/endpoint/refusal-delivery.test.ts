import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/endpoint/token-path.js';
import { sendRaw } from '../helpers/xmlrpc-raw-http.js';
import { type GuardedAgent, startGuardedAgent } from './guarded-agent.js';

const CHUNK = Buffer.alloc(16 * 1024, 0x20);
const head = (path: string): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`;

/** Keeps sending its body until the first byte of an answer arrives, as a caller that streams an upload does. */
function streamUntilAnswered(socket: Socket): void {
  let answered = false;
  socket.once('data', () => (answered = true));
  const pump = (): void => {
    while (!answered && !socket.destroyed) if (!socket.write(CHUNK)) return void socket.once('drain', pump);
  };
  pump();
}

describe('a refusal reaches a caller that is still sending its body', () => {
  const token = generateToken();
  let guarded: GuardedAgent;
  beforeAll(async () => (guarded = await startGuardedAgent({ token, maxBodyBytes: 1024 * 1024 })));
  afterAll(() => guarded.close());

  // Closing on unread bytes makes the kernel answer them with a reset, which can destroy the refusal in flight.
  it.each([
    ['403 for a wrong token', () => head(`/dynslice/${generateToken()}`), 403],
    ['413 for a declared length over the limit', () => head(`/dynslice/${token}`), 413],
  ])('answers %s, and closes without a reset', async (_, request, status) => {
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await sendRaw(guarded.port, request(), streamUntilAnswered));
    expect(answers.map((answer) => [answer.status, answer.reset])).toEqual(
      Array.from({ length: 5 }, () => [status, false]),
    );
  });
});
