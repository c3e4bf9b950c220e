import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ClusterError } from './cluster-error.js';

/** The experimenter's client certificate; `ca` pins the server's CA (default: the system's). */
export interface TlsIdentity {
  cert: string;
  key: string;
  passphrase?: string;
  ca?: string;
}

export interface XmlPostOptions {
  /** For error messages only. */
  method: string;
  timeoutMs: number;
  tls?: TlsIdentity;
  maxReplyBytes?: number;
}

export interface XmlPostReply {
  status: number;
  body: Buffer;
}

const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** One XML-RPC POST on a fresh connection; network, TLS and timeout failures become ClusterErrors. */
export function postXml(url: URL, xml: string, options: XmlPostOptions): Promise<XmlPostReply> {
  const { method, timeoutMs, tls, maxReplyBytes = DEFAULT_MAX_REPLY_BYTES } = options;
  const body = Buffer.from(xml, 'utf8');
  const headers = { 'Content-Type': 'text/xml', 'Content-Length': body.length, 'User-Agent': 'dynslice-agent' };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: ClusterError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxReplyBytes)
          fail(
            new ClusterError('CLUSTER_BAD_REPLY', `${method}: reply larger than ${maxReplyBytes} bytes`, { method }),
          );
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      res.on('error', (error) => fail(connectError(method, url, error)));
    };
    const common = { method: 'POST', headers, agent: false as const };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(
            url,
            {
              ...common,
              cert: tls?.cert,
              key: tls?.key,
              passphrase: tls?.passphrase,
              ca: tls?.ca,
              rejectUnauthorized: true,
            },
            onResponse,
          )
        : httpRequest(url, common, onResponse);
    const timer = setTimeout(
      () =>
        fail(
          new ClusterError('CLUSTER_TIMEOUT', `${method}: no reply from ${url.host} within ${timeoutMs} ms`, {
            method,
          }),
        ),
      timeoutMs,
    );
    req.on('error', (error) => fail(connectError(method, url, error)));
    req.end(body);
  });
}

function connectError(method: string, url: URL, error: Error & { code?: string }): ClusterError {
  const reason = error.code ? `${error.code}: ${error.message}` : error.message;
  // A TLS 1.3 server that rejects the client certificate just closes: say what that usually means.
  const hint =
    url.protocol === 'https:' && (error.code === 'ECONNRESET' || /alert/.test(error.message))
      ? '; the server may have refused the client certificate (cluster.certPath, cluster.keyPath)'
      : '';
  return new ClusterError('CLUSTER_CONNECT', `${method}: cannot reach ${url.host} (${reason})${hint}`, { method });
}
