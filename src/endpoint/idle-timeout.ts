import type { Server } from 'node:http';

/**
 * Node leaves `server.timeout` at 0: a connection on which nothing moves either way, such as a caller
 * that sent its request and stopped reading the answer, is kept open for good (the headers and
 * request timeouts end once the request has arrived). Closes such a connection after `idleMs`, and a
 * keep-alive connection waiting for its next request after `idleMs` at most (Node's 5 s when shorter).
 */
export function closeQuietConnections(server: Server, idleMs: number): void {
  if (!(idleMs > 0)) throw new RangeError('need idleMs > 0');
  // Without a 'timeout' listener, Node destroys a socket whose timeout passes.
  server.timeout = idleMs;
  server.keepAliveTimeout = Math.min(server.keepAliveTimeout, idleMs);
}
