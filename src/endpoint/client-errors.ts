import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { failConnection } from './connection-calls.js';
import type { Refusal } from './refusal-log.js';

interface ClientErrorAnswer {
  status: number;
  reason: string;
  text: string;
}

const answer = (status: number, statusText: string, reason: string): ClientErrorAnswer => ({
  status,
  reason,
  text: `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\n\r\n`,
});

/** The answers Node itself gives to these errors. */
const BY_CODE: Record<string, ClientErrorAnswer> = {
  ERR_HTTP_REQUEST_TIMEOUT: answer(408, 'Request Timeout', 'request-timeout'),
  HPE_HEADER_OVERFLOW: answer(431, 'Request Header Fields Too Large', 'headers-too-large'),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: answer(413, 'Payload Too Large', 'chunk-extensions-too-large'),
};
const BAD_REQUEST = answer(400, 'Bad Request', 'malformed-http');

function answerTo(error: NodeJS.ErrnoException): ClientErrorAnswer | undefined {
  const code = error.code ?? '';
  return BY_CODE[code] ?? (code.startsWith('HPE_') ? BAD_REQUEST : undefined);
}

/**
 * Node's `clientError` (an unparsable stream, a timeout, a socket error), handled as Node would
 * (same answers), except that the calls already being applied on the connection are answered
 * first and the calls not yet applied never are (connection-calls.ts). A socket error (a reset, a
 * failed TLS handshake) gets no answer and no log line.
 */
export function createClientErrorHandler(
  onRefused: (refusal: Refusal) => void,
  maxWaitMs: number,
): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    const net = socket as Socket;
    const reply = answerTo(error);
    if (reply === undefined) return failConnection(net, undefined, maxWaitMs);
    onRefused({ status: reply.status, reason: reply.reason, remoteAddress: net.remoteAddress });
    failConnection(net, reply.text, maxWaitMs);
  };
}
