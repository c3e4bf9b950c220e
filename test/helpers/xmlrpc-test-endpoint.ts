import type { Server } from 'node:http';
import { pino } from 'pino';
import { createEndpointServer, type EndpointServerOptions } from '../../src/endpoint/http-server.js';
import { RecordingHandlers } from './xmlrpc-fake-handlers.js';

export interface TestEndpoint {
  url: string;
  port: number;
  server: Server;
  handlers: RecordingHandlers;
  /** Every log line the server wrote, parsed. */
  logLines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The real endpoint server on 127.0.0.1, port 0, with recording handlers and a captured log. */
export async function startTestEndpoint(
  options: Partial<Omit<EndpointServerOptions, 'handlers' | 'logger'>> = {},
): Promise<TestEndpoint> {
  const handlers = new RecordingHandlers();
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const endpoint = createEndpointServer({ path: '/dynslice', handlers, logger, ...options });
  const { port } = await endpoint.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/dynslice`,
    port,
    server: endpoint.server,
    handlers,
    logLines,
    close: () => endpoint.close(),
  };
}
