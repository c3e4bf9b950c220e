import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Policy } from '../cluster/cluster-client.js';
import { DEFAULT_CLUSTER_PATH } from '../config/cluster-schema.js';
import { readBody } from '../endpoint/body-reader.js';
import { decodeMethodCall } from '../protocol/call-decoder.js';
import { ProtoGeniCode, XmlRpcFaultCode, XmlRpcFaultError } from '../protocol/codes.js';
import { perlFault, perlResponse, protoGeniReply } from './perl-xml.js';
import {
  handleServerCall,
  type MethodOutcome,
  type ServerApiState,
  type SimRegistration,
} from './server-api-methods.js';

export interface ServerApiOptions {
  maxwaittime: number;
  policy: Policy;
  sliceUrn?: string;
  logger: Logger;
  path?: string;
  /** HTTPS; with `clientCa`, callers must present a certificate it signed (like the real cluster). */
  tls?: { key: string; cert: string; clientCa?: string };
  now?: () => number;
}

export interface ServerApiCall {
  method: string;
  at: number;
  code: number | null;
  /** Answered BUSY or HTTP 503 on purpose (failNext). */
  refused?: 'busy' | 'http-503';
}

export interface ServerApi {
  readonly state: ServerApiState;
  readonly calls: ServerApiCall[];
  /** Resolves with the URL of the API; port 0 picks a free port. */
  listen(port: number, host: string): Promise<string>;
  /** The next `times` calls are answered BUSY (code 14) or HTTP 503 instead. */
  failNext(kind: 'busy' | 'http-503', times: number): void;
  waitForRegistration(timeoutMs: number): Promise<SimRegistration>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The cluster's side of registration: GetVersion, GetServerDefaults, Set/RemoveSliceClientEndpoint. */
export function createServerApi(options: ServerApiOptions): ServerApi {
  const { logger, path = DEFAULT_CLUSTER_PATH, tls, now = Date.now } = options;
  const log = logger.child({ component: 'sim-server-api' });
  const state: ServerApiState = {
    maxwaittime: options.maxwaittime,
    policy: options.policy,
    sliceUrn: options.sliceUrn,
    registrations: [],
    current: null,
  };
  const calls: ServerApiCall[] = [];
  const failures: Array<'busy' | 'http-503'> = [];
  const waiting = new Set<(registration: SimRegistration) => void>();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) return sendText(res, 404, 'not found');
    const body = await readBody(req, MAX_BODY_BYTES);
    let method = '';
    let outcome: MethodOutcome;
    try {
      const call = await decodeMethodCall(body);
      method = call.method;
      const refusal = failures.shift();
      if (refusal !== undefined) {
        calls.push({ method, at: now(), code: refusal === 'busy' ? ProtoGeniCode.BUSY : null, refused: refusal });
        if (refusal === 'http-503') return sendText(res, 503, 'Service Unavailable');
        return sendXml(res, perlResponse(protoGeniReply(ProtoGeniCode.BUSY, 0, 'server busy, try again later')));
      }
      outcome = handleServerCall(state, call.method, call.params, { clientCertificate: peerName(req), now: now() });
    } catch (error) {
      if (!(error instanceof XmlRpcFaultError)) throw error;
      outcome = { fault: { code: error.faultCode, message: error.message } };
    }
    const code = 'reply' in outcome ? Number((outcome.reply as { code: number }).code) : null;
    calls.push({ method, at: now(), code });
    log.info({ method: method.slice(0, 64), code }, 'sim server api call answered');
    if (method === 'SetSliceClientEndpoint' && code === ProtoGeniCode.SUCCESS && state.current) {
      for (const wake of [...waiting]) wake(state.current);
    }
    sendXml(
      res,
      'reply' in outcome ? perlResponse(outcome.reply) : perlFault(outcome.fault.code, outcome.fault.message),
    );
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      log.warn({ err: error }, 'sim server api request failed');
      if (!res.headersSent) sendXml(res, perlFault(XmlRpcFaultCode.INTERNAL_ERROR, 'internal error'));
    });
  };
  const server: Server = tls
    ? createHttpsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ca: tls.clientCa,
          requestCert: tls.clientCa !== undefined,
          rejectUnauthorized: tls.clientCa !== undefined,
        },
        listener,
      )
    : createHttpServer(listener);
  server.on('tlsClientError', (error: Error) =>
    log.info({ reason: error.message }, 'sim server api refused a TLS client'),
  );

  return {
    state,
    calls,
    async listen(port, host) {
      await once(server.listen(port, host), 'listening'); // rejects on 'error' (port taken)
      const { port: bound } = server.address() as AddressInfo;
      return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}${path}`;
    },
    failNext(kind, times) {
      for (let i = 0; i < times; i += 1) failures.push(kind);
    },
    waitForRegistration(timeoutMs) {
      if (state.current) return Promise.resolve(state.current);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(wake);
          reject(new Error(`no SetSliceClientEndpoint within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = (registration: SimRegistration): void => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve(registration);
        };
        waiting.add(wake);
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function peerName(req: IncomingMessage): string | null {
  const socket = req.socket as Partial<TLSSocket>;
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null;
}

function sendXml(res: ServerResponse, xml: string): void {
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml), Connection: 'close' });
  res.end(xml);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  res.end(text);
}
