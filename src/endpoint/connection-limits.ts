import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ENDPOINT_DEFAULTS } from '../config/endpoint-schema.js';
import { DEFAULT_LINGER_BYTES, DEFAULT_LINGER_MS } from './lingering-close.js';
import type { Refusal } from './refusal-log.js';
import { createSourceAllowList } from './source-allow-list.js';
import { sourceKey } from './source-key.js';

export const DEFAULT_MAX_CONNECTIONS = ENDPOINT_DEFAULTS.maxConnections;
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = ENDPOINT_DEFAULTS.maxConnectionsPerSource;

export interface ConnectionLimits {
  /** Open connections at most; Node closes any more as it accepts them. */
  maxConnections?: number;
  /** Open connections from one source at most: an IPv4 address, or an IPv6 /64. */
  maxConnectionsPerSource?: number;
  /** CIDRs a connection's source address must lie in. */
  allow?: readonly string[];
}

const rawAnswer = (status: string): string => `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
const FORBIDDEN = rawAnswer('403 Forbidden');
const BUSY = rawAnswer('503 Service Unavailable');

/** Refused plain-HTTP connections lingering at once, at most; past that a refusal closes at once. */
const MAX_LINGERING = 64;

/**
 * Enforces the limits as each TCP connection is accepted, before TLS or HTTP spend anything on it
 * (for HTTPS the `connection` event carries the raw socket, before the handshake): the server's
 * own `connection` handlers (HTTP's parser, TLS's handshake) are handed accepted sockets only. A
 * refused TLS connection is destroyed at once. A refused plain-HTTP one gets a short raw 403 or
 * 503, then lingers: what the caller still sends is read and discarded unparsed (at most
 * DEFAULT_LINGER_BYTES, DEFAULT_LINGER_MS), so that the kernel never answers it with a reset that
 * could destroy the refusal before the caller reads it.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  options: { plainHttp: boolean; onRefused: (refusal: Refusal) => void },
): void {
  const {
    maxConnections = DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerSource = DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
    allow,
  } = limits;
  const allowed = allow === undefined ? undefined : createSourceAllowList(allow);
  const perSource = new Map<string, number>();
  server.maxConnections = maxConnections;
  server.on('drop', (dropped) =>
    options.onRefused({ status: 503, reason: 'too-many-connections', remoteAddress: dropped?.remoteAddress }),
  );
  let lingering = 0;
  const refuse = (socket: Socket, answer: string, refusal: Refusal): void => {
    options.onRefused(refusal);
    if (!options.plainHttp) return void socket.destroy();
    if (lingering >= MAX_LINGERING) {
      socket.write(answer);
      return void socket.destroy();
    }
    lingering += 1;
    let discarded = 0;
    const timer = setTimeout(() => socket.destroy(), DEFAULT_LINGER_MS);
    socket
      .on('error', () => socket.destroy())
      .on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > DEFAULT_LINGER_BYTES) socket.destroy();
      })
      .once('end', () => socket.destroy())
      .once('close', () => {
        clearTimeout(timer);
        lingering -= 1;
      });
    socket.end(answer);
  };
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (admit(socket)) for (const handler of handlers) handler.call(server, socket);
  });
  /** Whether the connection may go on to TLS or HTTP; a refused one is answered and closed here. */
  function admit(socket: Socket): boolean {
    const { remoteAddress } = socket;
    if (remoteAddress === undefined) {
      socket.destroy();
      return false;
    }
    if (allowed !== undefined && !allowed(remoteAddress)) {
      refuse(socket, FORBIDDEN, { status: 403, reason: 'source-not-allowed', remoteAddress });
      return false;
    }
    const source = sourceKey(remoteAddress);
    const open = perSource.get(source) ?? 0;
    if (open >= maxConnectionsPerSource) {
      refuse(socket, BUSY, { status: 503, reason: 'too-many-connections-from-source', remoteAddress });
      return false;
    }
    perSource.set(source, open + 1);
    socket.once('close', () => {
      const left = (perSource.get(source) ?? 1) - 1;
      if (left === 0) perSource.delete(source);
      else perSource.set(source, left);
    });
    return true;
  }
}
