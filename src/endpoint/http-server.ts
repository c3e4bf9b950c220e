import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ENDPOINT_DEFAULTS } from '../config/endpoint-schema.js';
import { createClientErrorHandler } from './client-errors.js';
import { type ConnectionLimits, limitConnections } from './connection-limits.js';
import { closeQuietConnections } from './idle-timeout.js';
import { createRefusalLog } from './refusal-log.js';
import { createEndpointRequestListener, type EndpointRequestOptions } from './request-listener.js';

export const DEFAULT_HEADERS_TIMEOUT_MS = ENDPOINT_DEFAULTS.headersTimeoutSeconds * 1000;
export const DEFAULT_REQUEST_TIMEOUT_MS = ENDPOINT_DEFAULTS.requestTimeoutSeconds * 1000;
/** Longer than a call may be handled (10 s), during which its connection is quiet. */
export const DEFAULT_IDLE_TIMEOUT_MS = ENDPOINT_DEFAULTS.idleTimeoutSeconds * 1000;

/** PEM material for HTTPS; with `clientCa`, callers are asked for a certificate. */
export interface EndpointTls {
  cert: string | Buffer;
  key: string | Buffer;
  passphrase?: string;
  clientCa?: string | Buffer;
}

export interface EndpointServerOptions extends EndpointRequestOptions {
  /** Time allowed for the request headers (slowloris); Node answers 408 and closes. */
  headersTimeoutMs?: number;
  /** Time allowed for the whole request, headers and body. */
  requestTimeoutMs?: number;
  /** A connection on which nothing is read or written for this long is closed (idle-timeout.ts). */
  idleTimeoutMs?: number;
  /** Serve HTTPS instead of HTTP. */
  tls?: EndpointTls;
  /** Checked as each connection is accepted, before TLS (connection-limits.ts). */
  connectionLimits?: ConnectionLimits;
}

export interface EndpointServer {
  readonly server: Server;
  /** Resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<{ port: number; host: string }>;
  /** Stops accepting, closes idle keep-alive connections, resolves when in-flight calls are done. */
  close(): Promise<void>;
}

/** Builds the XML-RPC endpoint on node:http or node:https; does no I/O until `listen`. */
export function createEndpointServer(options: EndpointServerOptions): EndpointServer {
  const { headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, tls } = options;
  if (!(headersTimeoutMs > 0 && requestTimeoutMs >= headersTimeoutMs)) {
    throw new RangeError('need 0 < headersTimeoutMs <= requestTimeoutMs');
  }
  const logRefusal = createRefusalLog(options.logger);
  const listener = createEndpointRequestListener(options, logRefusal);
  const httpOptions = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node only enforces the two timeouts when it sweeps its connections (default every 30 s).
    connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 2)),
  };
  const server: Server =
    tls === undefined
      ? createHttpServer(httpOptions, listener)
      : createHttpsServer(
          {
            ...httpOptions,
            cert: tls.cert,
            key: tls.key,
            passphrase: tls.passphrase,
            minVersion: 'TLSv1.2',
            // A handshake that never finishes is a slowloris before the headers timeout starts.
            handshakeTimeout: headersTimeoutMs,
            // The certificate is checked per request (caller-gate.ts), so a refusal is an HTTP 403.
            ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }),
          },
          listener,
        );
  // Expect: 100-continue goes to the listener, which sends the 100 once the caller passed every check.
  server.on('checkContinue', listener);
  // Instead of Node's own handling, which answers and closes at once, dropping the answers of calls already applied.
  server.on('clientError', createClientErrorHandler(logRefusal, requestTimeoutMs));
  closeQuietConnections(server, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  limitConnections(server, options.connectionLimits ?? {}, { plainHttp: tls === undefined, onRefused: logRefusal });

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
