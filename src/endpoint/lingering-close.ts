import type { ServerResponse } from 'node:http';

export const DEFAULT_LINGER_MS = 1000;
export const DEFAULT_LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Call before answering a refusal (403, 413, 503) with `Connection: close` while the caller may
 * still be sending its body. Closing at once would make the kernel answer those bytes with a reset,
 * which can destroy the refusal before the caller reads it; instead, once the answer is written,
 * the rest of the body is discarded unparsed, for at most `lingerMs` and `maxBytes` (as Apache and
 * nginx do), and the connection closes as soon as the caller ends its side. An answer queued behind
 * another one on its connection (pipelined requests) gets its socket only once those are written:
 * it lingers then, and not at all if the connection closes first.
 */
export function lingerBeforeClose(
  res: ServerResponse,
  lingerMs = DEFAULT_LINGER_MS,
  maxBytes = DEFAULT_LINGER_BYTES,
): void {
  const { socket, req } = res;
  if (socket === null) return void res.once('socket', () => lingerBeforeClose(res, lingerMs, maxBytes));
  // node:http calls destroySoon() on this socket once a response with Connection: close is written.
  socket.destroySoon = () => {
    socket.end();
    let discarded = 0;
    req.removeAllListeners('data').on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxBytes) socket.destroy();
    });
    req.resume();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('end', () => socket.destroy()).once('close', () => clearTimeout(timer));
  };
}
