import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface LwpPostOptions {
  /** The cluster gives up on a call after this long (CloudLab: 500 s). */
  timeoutMs: number;
  /** The reply is lost: the connection is dropped as soon as the answer starts to arrive. */
  dropReply?: boolean;
}

export type LwpPostResult =
  | { kind: 'reply'; status: number; body: Buffer; ms: number }
  | { kind: 'failed'; reason: 'timeout' | 'reply-dropped' | 'connection'; detail: string; ms: number };

/**
 * One POST the way the cluster's Perl LWP client sends it: HTTP/1.0, `Connection: close`, a fresh
 * connection per call, the reply read until the server closes. Self-signed HTTPS is accepted.
 */
export function lwpPost(url: URL, xml: string, options: LwpPostOptions): Promise<LwpPostResult> {
  const started = Date.now();
  const body = Buffer.from(xml, 'utf8');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const head = [
    `POST ${url.pathname}${url.search} HTTP/1.0`,
    `Host: ${url.host}`,
    'User-Agent: libwww-perl/6.72',
    'Content-Type: text/xml',
    `Content-Length: ${body.length}`,
    'Connection: close',
  ].join('\r\n');
  return new Promise((resolve) => {
    const socket: Socket =
      url.protocol === 'https:' ? connectTls({ host, port, rejectUnauthorized: false }) : connectTcp({ host, port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (result: LwpPostResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const failed = (reason: 'timeout' | 'reply-dropped' | 'connection', detail: string) =>
      finish({ kind: 'failed', reason, detail, ms: Date.now() - started });
    const timer = setTimeout(() => failed('timeout', `no reply within ${options.timeoutMs} ms`), options.timeoutMs);
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body])),
    );
    socket.on('data', (chunk: Buffer) => {
      if (options.dropReply) return failed('reply-dropped', 'the reply was dropped on purpose');
      chunks.push(chunk);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => failed('connection', error.code ?? error.message));
    socket.on('close', () => {
      const parsed = parseHttpReply(Buffer.concat(chunks));
      if (parsed === null) failed('connection', 'connection closed without an HTTP reply');
      else finish({ kind: 'reply', ...parsed, ms: Date.now() - started });
    });
  });
}

function parseHttpReply(raw: Buffer): { status: number; body: Buffer } | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) return null;
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(raw.subarray(0, split).toString('latin1'));
  return status ? { status: Number(status[1]), body: raw.subarray(split + 4) } : null;
}
