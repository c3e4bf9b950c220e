import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createClientEndpoint, nodelistLength, type ClientEndpointOptions } from '../protocol/client-endpoint.js';
import { isFault, XmlRpcFaultCode, XmlRpcFaultError, type Fault } from '../protocol/codes.js';
import type { ProtoGeniReply } from '../protocol/envelope.js';
import { decodeMethodCall, encodeFault, encodeResponse } from '../protocol/xmlrpc-codec.js';
import { BodyAbortedError, BodyTooLargeError, declaresTooLargeBody, readBody } from './body-reader.js';

export const DEFAULT_ENDPOINT_PATH = '/dynslice';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface EndpointRequestOptions extends ClientEndpointOptions {
  path?: string;
  maxBodyBytes?: number;
  /** Caller checks (source allow-list, client certificate): false → 403 before anything is read. */
  allowRequest?: (req: IncomingMessage) => boolean;
}

export type EndpointRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves XML-RPC calls on one path; mountable on node:http or node:https. Never throws. */
export function createEndpointRequestListener(options: EndpointRequestOptions): EndpointRequestListener {
  const { path = DEFAULT_ENDPOINT_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, logger, allowRequest } = options;
  const endpoint = createClientEndpoint(options);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    if (allowRequest !== undefined && !allowRequest(req)) {
      logger.warn({ remoteAddress: req.socket.remoteAddress }, 'xml-rpc request refused');
      return sendStatus(res, 403, 'forbidden', { Connection: 'close' });
    }
    if (pathOf(req.url) !== path) return sendStatus(res, 404, 'not found');
    if (req.method !== 'POST') return sendStatus(res, 405, 'only POST is served here', { Allow: 'POST' });
    if (declaresTooLargeBody(req, maxBodyBytes)) return refuseTooLarge(res, logger, maxBodyBytes);
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuseTooLarge(res, logger, maxBodyBytes);
      if (error instanceof BodyAbortedError) return logger.debug({ reason: error.message }, 'request body aborted');
      throw error;
    }
    let method = '';
    let nodes = 0;
    let outcome: ProtoGeniReply | Fault;
    try {
      const call = await decodeMethodCall(body);
      method = call.method.slice(0, 64);
      nodes = nodelistLength(call.params);
      outcome = await endpoint.handleCall(call.method, call.params);
    } catch (error) {
      if (!(error instanceof XmlRpcFaultError)) throw error;
      outcome = error.toFault();
    }
    sendXml(res, encodeOutcome(outcome, logger));
    const ms = Math.round(performance.now() - started);
    const result = isFault(outcome) ? { faultCode: outcome.faultCode } : { code: outcome.code.value };
    logger.info({ method, nodes, ...result, ms }, 'xml-rpc call answered');
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'xml-rpc request failed');
      if (!res.headersSent) sendXml(res, encodeFault(XmlRpcFaultCode.INTERNAL_ERROR, 'internal error'));
      else res.destroy();
    });
  };
}

function encodeOutcome(outcome: ProtoGeniReply | Fault, logger: Logger): string {
  if (isFault(outcome)) return encodeFault(outcome.faultCode, outcome.faultString);
  try {
    return encodeResponse(outcome);
  } catch (error) {
    logger.error({ err: error }, 'xml-rpc reply could not be encoded');
    return encodeFault(XmlRpcFaultCode.INTERNAL_ERROR, 'reply could not be encoded');
  }
}

function pathOf(url: string | undefined): string {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? (url ?? '') : (url ?? '').slice(0, query);
}

function sendXml(res: ServerResponse, xml: string): void {
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

function sendStatus(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function refuseTooLarge(res: ServerResponse, logger: Logger, maxBodyBytes: number): void {
  logger.warn({ maxBodyBytes }, 'xml-rpc request body too large');
  // The rest of the body stays unread, so this connection cannot carry another request.
  sendStatus(res, 413, `request body over ${maxBodyBytes} bytes`, { Connection: 'close' });
}
