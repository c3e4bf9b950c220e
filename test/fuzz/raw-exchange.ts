import { connect } from 'node:net';
import type { FuzzRequest } from './mutations.js';

export interface Answer {
  /** `reply-<code>`, `fault`, an HTTP status (`403`), `no-answer` (closed silently) or `timeout`. */
  kind: string;
  ms: number;
}

const FLOOD_CHUNK = Buffer.from(`4000\r\n${'x'.repeat(0x4000)}\r\n`);
const FLOOD_LIMIT_BYTES = 64 * 1024 * 1024;

/** Classifies the raw bytes of one HTTP response. */
export function classify(raw: Buffer): string {
  const text = raw.toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (status === undefined) return 'no-answer';
  if (status !== '200') return status;
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  if (/<name>faultCode<\/name><value><int>-?\d+<\/int>/.test(body)) return 'fault';
  const code =
    /^<\?xml[^>]*>\s*<methodResponse><params><param><value><struct><member><name>code<\/name><value><int>(\d+)<\/int>/.exec(
      body,
    )?.[1];
  return code === undefined ? 'unreadable-200' : `reply-${code}`;
}

/** Sends one request on a fresh socket, as `delivery` says, and reads until the server closes. */
export function exchange(port: number, request: FuzzRequest, guardMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let answered = false;
    const guard = setTimeout(() => finish('timeout'), guardMs);
    function finish(kind?: string): void {
      clearTimeout(guard);
      socket.destroy();
      resolve({ kind: kind ?? classify(Buffer.concat(chunks)), ms: performance.now() - started });
    }
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      chunks.push(chunk);
    });
    // A reset after the answer is the server closing on an unread body: the answer still counts.
    socket.on('error', () => {});
    socket.on('close', () => finish());
    socket.on('connect', () => {
      if (request.delivery !== 'flood') {
        socket.write(Buffer.concat([request.head, request.body]));
        return;
      }
      socket.write(request.head);
      let sent = 0;
      const pump = (): void => {
        while (!answered && !socket.destroyed && sent < FLOOD_LIMIT_BYTES) {
          sent += FLOOD_CHUNK.length;
          if (!socket.write(FLOOD_CHUNK)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}
