import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Refusal } from './refusal-log.js';
import { createSourceAllowList } from './source-allow-list.js';
import { sourceKey } from './source-key.js';

export const DEFAULT_MAX_CONNECTIONS = 512;
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 128;

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

/**
 * Enforces the limits as each TCP connection is accepted, before TLS or HTTP spend anything on it
 * (for HTTPS the `connection` event carries the raw socket, before the handshake). A connection
 * refused here is destroyed at once; plain HTTP gets a short raw 403 or 503 first.
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
  const refuse = (socket: Socket, answer: string, refusal: Refusal): void => {
    options.onRefused(refusal);
    if (options.plainHttp) socket.write(answer);
    socket.destroy();
  };
  // First in line, so that the HTTP or TLS listener finds a refused socket already destroyed.
  server.prependListener('connection', (socket: Socket) => {
    const { remoteAddress } = socket;
    if (remoteAddress === undefined) return void socket.destroy();
    if (allowed !== undefined && !allowed(remoteAddress)) {
      return refuse(socket, FORBIDDEN, { status: 403, reason: 'source-not-allowed', remoteAddress });
    }
    const source = sourceKey(remoteAddress);
    const open = perSource.get(source) ?? 0;
    if (open >= maxConnectionsPerSource) {
      return refuse(socket, BUSY, { status: 503, reason: 'too-many-connections-from-source', remoteAddress });
    }
    perSource.set(source, open + 1);
    socket.once('close', () => {
      const left = (perSource.get(source) ?? 1) - 1;
      if (left === 0) perSource.delete(source);
      else perSource.set(source, left);
    });
  });
}
