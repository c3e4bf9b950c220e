import { request } from 'node:https';

export interface HttpsAnswer {
  status: number;
  body: string;
}

/** One POST over a fresh TLS connection, trusting `ca`; `cert`/`key` present a client certificate. */
export function postHttps(
  url: string,
  body: string,
  tls: { ca: string; cert?: string; key?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        agent: false,
        ...tls,
        signal: AbortSignal.timeout(10_000),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
