import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createClientEndpoint, nodelistLength, type ClientEndpointOptions } from '../protocol/client-endpoint.js';
import { isFault, XmlRpcFaultCode, XmlRpcFaultError, type Fault } from '../protocol/codes.js';
import type { ProtoGeniReply } from '../protocol/envelope.js';
import { decodeMethodCall, encodeFault, encodeResponse } from '../protocol/xmlrpc-codec.js';
import { BodyAbortedError, BodyTooLargeError, declaresTooLargeBody, readBody } from './body-reader.js';
import { admissionOf, type Admission } from './caller-gate.js';
import { lingerBeforeClose } from './lingering-close.js';
import { createRefusalLog } from './refusal-log.js';

export const DEFAULT_ENDPOINT_PATH = '/dynslice';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface EndpointRequestOptions extends ClientEndpointOptions {
  path?: string;
  maxBodyBytes?: number;
  /** Caller checks (caller-gate.ts): a refusal is answered 403/503 before anything is read. */
  allowRequest?: (req: IncomingMessage, res: ServerResponse) => boolean | Admission;
  /** Told of every answered call (metrics); must not throw. */
  onCallAnswered?: (info: { method: string; code?: number; faultCode?: number; nodes: number; ms: number }) => void;
}

export type EndpointRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves XML-RPC calls on one path; mountable on node:http or node:https. Never throws. */
export function createEndpointRequestListener(options: EndpointRequestOptions): EndpointRequestListener {
  const { path = DEFAULT_ENDPOINT_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, logger, allowRequest } = options;
  const endpoint = createClientEndpoint(options);
  const logRefusal = createRefusalLog(logger);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const admission = admissionOf(allowRequest?.(req, res) ?? true);
    if (!admission.allowed) {
      logRefusal({ status: admission.status, reason: admission.reason, remoteAddress: req.socket.remoteAddress, subject: admission.subject });
      const retry: Record<string, string> = admission.status === 503 ? { 'Retry-After': '1' } : {};
      lingerBeforeClose(res);
      return sendStatus(res, admission.status, admission.status === 503 ? 'busy' : 'forbidden', { Connection: 'close', ...retry });
    }
    if (pathOf(req.url) !== path) return sendStatus(res, 404, 'not found');
    if (req.method !== 'POST') return sendStatus(res, 405, 'only POST is served here', { Allow: 'POST' });
    if (declaresTooLargeBody(req, maxBodyBytes)) return refuseTooLarge(res, logger, maxBodyBytes);
    // Only a caller that passed every check above is asked to send its body.
    if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
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
    const caller = admission.subject === undefined ? {} : { subject: admission.subject };
    logger.info({ method, nodes, ...result, ms, ...caller }, 'xml-rpc call answered');
    options.onCallAnswered?.({ method, nodes, ...result, ms: performance.now() - started });
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
  lingerBeforeClose(res);
  sendStatus(res, 413, `request body over ${maxBodyBytes} bytes`, { Connection: 'close' });
}
