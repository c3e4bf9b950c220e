import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, each test reads the fields it expects
  body: any;
  answered: number | 'hung';
}

/** A local HTTP receiver that answers each POST with the next scripted status ('hang' never answers). */
export async function startReceiver(script: (number | 'hang')[] = []) {
  const received: Received[] = [];
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const answer = script.shift() ?? 200;
      received.push({
        at: Date.now(),
        headers: req.headers,
        body: JSON.parse(text),
        answered: answer === 'hang' ? 'hung' : answer,
      });
      if (answer === 'hang') hung.add(res);
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-path`,
    received,
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
