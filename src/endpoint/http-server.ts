import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpointRequestListener, DEFAULT_MAX_BODY_BYTES, type EndpointRequestOptions } from './request-listener.js';
import { declaresTooLargeBody } from './body-reader.js';

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface EndpointServerOptions extends EndpointRequestOptions {
  /** Time allowed for the request headers (slowloris); Node answers 408 and closes. */
  headersTimeoutMs?: number;
  /** Time allowed for the whole request, headers and body. */
  requestTimeoutMs?: number;
}

export interface EndpointServer {
  readonly server: Server;
  /** Resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<{ port: number; host: string }>;
  /** Stops accepting, closes idle keep-alive connections, resolves when in-flight calls are done. */
  close(): Promise<void>;
}

/** Builds the XML-RPC endpoint on node:http; does no I/O until `listen`. */
export function createEndpointServer(options: EndpointServerOptions): EndpointServer {
  const {
    headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  } = options;
  if (!(headersTimeoutMs > 0 && requestTimeoutMs >= headersTimeoutMs)) {
    throw new RangeError('need 0 < headersTimeoutMs <= requestTimeoutMs');
  }
  const listener = createEndpointRequestListener(options);
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node only enforces the two timeouts when it sweeps its connections (default every 30 s).
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 2)),
    },
    listener,
  );
  // Expect: 100-continue — refuse an announced oversized body before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresTooLargeBody(req, maxBodyBytes)) res.writeContinue();
    listener(req, res);
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resolve({ port: address.port, host: address.address });
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
