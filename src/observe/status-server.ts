import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isLoopbackHost } from '../config/endpoint-schema.js';
import { parseListenAddress } from '../config/listen-address.js';
import { closeQuietConnections } from '../endpoint/idle-timeout.js';
import { createBearerCheck } from './bearer-token.js';
import { dashboardAssets } from './dashboard-assets.js';
import { mermaidId } from './diagram/mermaid.js';
import { EventStreams } from './event-stream.js';
import { nodeChart, nodeDashboardDiagram } from './node-states.js';
import type { Observer } from './observer.js';

export interface StatusServerOptions {
  /** `host:port` (port 0: any free port). */
  listen: string;
  /** When set, /api and /metrics require it as a bearer token. */
  token?: string;
  logger: Logger;
  /** A connection on which nothing is read or written for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
}

/** Longer than the 15 s between an event stream's keep-alive comments. */
export const STATUS_IDLE_TIMEOUT_MS = 60_000;

export interface StatusServer {
  /** Base URL, e.g. http://127.0.0.1:9090 */
  url: string;
  /** The dashboard's URL; with a token, the token rides in the fragment (never sent to a server or logged). */
  dashboardUrl: string;
  close(): Promise<void>;
}

// The page's own files and Mermaid only; Mermaid styles its SVG inline.
const PAGE_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function diagramDocument() {
  const chart = nodeChart();
  const states = chart.states.map((s) => ({
    path: s.path,
    parent: s.parent,
    mermaidId: mermaidId(s.path),
    description: s.description,
  }));
  return { mermaid: nodeDashboardDiagram(), states };
}

/** Starts the status server (dashboard, /api/nodes, /api/events, /metrics) for an agent's observer. */
export async function startStatusServer(
  agent: { observer: Observer },
  options: StatusServerOptions,
): Promise<StatusServer> {
  const { observer } = agent;
  // Counting starts now: the figures cover what happens from here on.
  const { metrics } = observer;
  const { logger } = options;
  const assets = dashboardAssets();
  const authorized = options.token === undefined ? () => true : createBearerCheck(options.token);
  const streams = new EventStreams(observer, logger);

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>> = {
    '/api/nodes': (_req, res, url) =>
      sendJson(res, 200, {
        now: observer.now(),
        nodes: observer.nodes({ withTimeline: url.searchParams.get('timeline') === '1' }),
        journal: observer.journal(),
      }),
    '/api/diagram': (_req, res) => sendJson(res, 200, diagramDocument()),
    '/api/events': (_req, res) => {
      if (!streams.open(res)) sendJson(res, 503, { error: 'too many event stream clients' });
    },
    '/metrics': async (_req, res) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
    },
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://status.invalid');
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (route) {
      if (!authorized(req, url)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="dynslice-agent"' }).end();
        return;
      }
      await route(req, res, url);
      return;
    }
    const asset = assets.get(url.pathname);
    if (!asset) return sendJson(res, 404, { error: 'not found' });
    res.writeHead(200, {
      'Content-Type': asset.contentType,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': PAGE_POLICY,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(asset.file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error({ err: error, path: req.url?.split('?')[0] }, 'status request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  closeQuietConnections(server, options.idleTimeoutMs ?? STATUS_IDLE_TIMEOUT_MS);
  const { host, port } = parseListenAddress(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  if (!isLoopbackHost(address.address) && options.token === undefined) {
    logger.warn({ host: address.address }, 'status server reachable from other machines without a token');
  }
  return {
    url,
    dashboardUrl: options.token === undefined ? `${url}/` : `${url}/#token=${encodeURIComponent(options.token)}`,
    async close() {
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
