import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ENDPOINT_DEFAULTS } from '../config/endpoint-schema.js';
import { decodeMethodCall } from '../protocol/call-decoder.js';
import { type ClientEndpointOptions, createClientEndpoint, nodelistLength } from '../protocol/client-endpoint.js';
import { type Fault, isFault, XmlRpcFaultCode, XmlRpcFaultError } from '../protocol/codes.js';
import type { ProtoGeniReply } from '../protocol/envelope.js';
import { encodeFault, encodeResponse } from '../protocol/reply-encoder.js';
import {
  BodyAbortedError,
  BodyTooLargeError,
  BodyTooSlowError,
  DEFAULT_BODY_GRACE_MS,
  DEFAULT_MIN_BODY_BYTES_PER_SECOND,
  declaresTooLargeBody,
  readBody,
} from './body-reader.js';
import { createCallSlots } from './call-slots.js';
import { type Admission, admissionOf } from './caller-gate.js';
import { arriveOn, type ConnectionCall } from './connection-calls.js';
import { lingerBeforeClose } from './lingering-close.js';
import { createRefusalLog, type Refusal } from './refusal-log.js';

export const DEFAULT_ENDPOINT_PATH = ENDPOINT_DEFAULTS.path;
export const DEFAULT_MAX_BODY_BYTES = ENDPOINT_DEFAULTS.maxBodyBytes;

export interface EndpointRequestOptions extends ClientEndpointOptions {
  path?: string;
  maxBodyBytes?: number;
  /** Calls decoded and handled at once (call-slots.ts); more are answered 503. */
  maxConcurrentRequests?: number;
  /** A body bringing less than this on average once `bodyGraceMs` have passed is cut with 408 (0: no minimum). */
  minBodyBytesPerSecond?: number;
  bodyGraceMs?: number;
  /** Caller checks (caller-gate.ts): a refusal is answered 403/503 before anything is read. */
  allowRequest?: (req: IncomingMessage, res: ServerResponse) => boolean | Admission;
  /** Told of every answered call (metrics); must not throw. */
  onCallAnswered?: (info: { method: string; code?: number; faultCode?: number; nodes: number; ms: number }) => void;
}

export type EndpointRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves XML-RPC calls on one path; mountable on node:http or node:https. Never throws. A call is
 * applied only if it is answered (connection-calls.ts): on a server, install the `clientError`
 * handler of client-errors.ts too, as createEndpointServer does.
 */
export function createEndpointRequestListener(
  options: EndpointRequestOptions,
  logRefusal: (refusal: Refusal) => void = createRefusalLog(options.logger),
): EndpointRequestListener {
  const { path = DEFAULT_ENDPOINT_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, logger, allowRequest } = options;
  const minRate = {
    bytesPerSecond: options.minBodyBytesPerSecond ?? DEFAULT_MIN_BODY_BYTES_PER_SECOND,
    graceMs: options.bodyGraceMs ?? DEFAULT_BODY_GRACE_MS,
  };
  const endpoint = createClientEndpoint(options);
  const slots = createCallSlots(options.maxConcurrentRequests);

  /** Answers with `Connection: close`; nothing after this request on its connection is applied. */
  function refuse(
    res: ServerResponse,
    call: ConnectionCall,
    refusal: Omit<Refusal, 'remoteAddress'>,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    call.refuse();
    logRefusal({ ...refusal, remoteAddress: res.req.socket.remoteAddress });
    lingerBeforeClose(res);
    sendStatus(res, refusal.status, text, { Connection: 'close', ...headers });
  }
  const refuseBusy = (res: ServerResponse, call: ConnectionCall): void =>
    refuse(res, call, { status: 503, reason: 'too-many-requests' }, 'busy', { 'Retry-After': '1' });
  const refuseTooLarge = (res: ServerResponse, call: ConnectionCall): void =>
    refuse(res, call, { status: 413, reason: 'body-too-large' }, `request body over ${maxBodyBytes} bytes`);

  async function serve(req: IncomingMessage, res: ServerResponse, call: ConnectionCall): Promise<void> {
    const started = performance.now();
    // Its connection was refused before it: this request would never be answered.
    if (!call.open) return void req.resume();
    const admission = admissionOf(allowRequest?.(req, res) ?? true);
    if (!admission.allowed) {
      const { status, reason, subject } = admission;
      return refuse(
        res,
        call,
        { status, reason, subject },
        status === 503 ? 'busy' : 'forbidden',
        status === 503 ? { 'Retry-After': '1' } : {},
      );
    }
    if (pathOf(req.url) !== path) return sendStatus(res, 404, 'not found');
    if (req.method !== 'POST') return sendStatus(res, 405, 'only POST is served here', { Allow: 'POST' });
    if (declaresTooLargeBody(req, maxBodyBytes)) return refuseTooLarge(res, call);
    // Every slot busy already: refused before the body. Otherwise the slot is taken once the body is in.
    if (slots.full) return refuseBusy(res, call);
    // Only a caller that passed every check above is asked to send its body.
    if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes, minRate);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuseTooLarge(res, call);
      if (error instanceof BodyTooSlowError)
        return refuse(res, call, { status: 408, reason: 'body-too-slow' }, error.message);
      if (error instanceof BodyAbortedError) return logger.debug({ reason: error.message }, 'request body aborted');
      throw error;
    }
    if (!slots.take(res)) return refuseBusy(res, call);
    const decoded = await decodeMethodCall(body).catch((error: unknown) => faultOf(error));
    await call.waitTurn();
    if (!call.beginApply(res)) return logger.debug('xml-rpc call dropped: refused or broken connection');
    const method = 'method' in decoded ? decoded.method.slice(0, 64) : '';
    const nodes = 'method' in decoded ? nodelistLength(decoded.params) : 0;
    const outcome =
      'method' in decoded ? await endpoint.handleCall(decoded.method, decoded.params).catch(faultOf) : decoded;
    sendXml(res, encodeOutcome(outcome, logger));
    const ms = Math.round(performance.now() - started);
    const result = isFault(outcome) ? { faultCode: outcome.faultCode } : { code: outcome.code.value };
    const caller = admission.subject === undefined ? {} : { subject: admission.subject };
    logger.info({ method, nodes, ...result, ms, ...caller }, 'xml-rpc call answered');
    options.onCallAnswered?.({ method, nodes, ...result, ms: performance.now() - started });
  }

  return (req, res) => {
    const call = arriveOn(req.socket);
    serve(req, res, call)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'xml-rpc request failed');
        if (!res.headersSent) sendXml(res, encodeFault(XmlRpcFaultCode.INTERNAL_ERROR, 'internal error'));
        else res.destroy();
      })
      .finally(call.done);
  };
}

/** An XML-RPC fault becomes the answer; anything else is a bug and is rethrown. */
function faultOf(error: unknown): Fault {
  if (error instanceof XmlRpcFaultError) return error.toFault();
  throw error;
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

/**
 * A large reply goes as a Buffer: Node's HTTP stack would otherwise join headers and text into one
 * string and encode it again (a 200 KB reply cost 0.45 ms of CPU as text, 0.25 ms as a Buffer); a
 * small one goes as text, which is the cheaper of the two below a few KB.
 */
function sendXml(res: ServerResponse, xml: string): void {
  const body = xml.length > LARGE_REPLY_CHARS ? Buffer.from(xml, 'utf8') : xml;
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const LARGE_REPLY_CHARS = 16 * 1024;

function sendStatus(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
