import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Everything the connection received (several responses when requests were pipelined). */
  text: string;
  headers: Record<string, string>;
  body: string;
  /** True when the connection was reset instead of closed after the response. */
  reset: boolean;
}

export interface RawPostOptions extends RawSocketOptions {
  path?: string;
  method?: string;
  /** HTTP/1.0 with `Connection: close`, as CloudLab's Perl LWP caller sends. */
  version?: '1.0' | '1.1';
  headers?: Record<string, string>;
}

export interface RawSocketOptions {
  /** Keep sending after the server has closed its side, as a hostile peer may. */
  allowHalfOpen?: boolean;
  /** Another loopback source address (all of 127.0.0.0/8 is loopback on Linux). */
  localAddress?: string;
}

/**
 * Sends one request on a fresh socket and reads until the server closes it; `afterWrite` may keep
 * writing (a streamed body) or stall (slowloris).
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  afterWrite?: (socket: Socket) => void,
  options: RawSocketOptions = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...options });
    const chunks: Buffer[] = [];
    let reset = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      else reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ ...parseResponse(text), text, reset });
    });
    socket.write(request);
    afterWrite?.(socket);
  });
}

/** POSTs an XML body the way Perl's LWP does by default: HTTP/1.0, Connection: close. */
export function postXml(port: number, body: string, options: RawPostOptions = {}): Promise<RawResponse> {
  const { path = '/dynslice', method = 'POST', version = '1.0', headers = {}, ...socketOptions } = options;
  const head = [
    `${method} ${path} HTTP/${version}`,
    `Host: 127.0.0.1:${port}`,
    'User-Agent: libwww-perl/6.72',
    'Content-Type: text/xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return sendRaw(port, `${head.join('\r\n')}\r\n\r\n${body}`, undefined, socketOptions);
}

/** An HTTP/1.1 keep-alive POST, to pipeline several on one connection. */
export function keepAlivePost(path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The status of every response in what one connection received, in order. */
export function statusesIn(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
}

function parseResponse(text: string): Omit<RawResponse, 'reset' | 'text'> {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return { status: 0, headers: {}, body: text };
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}
