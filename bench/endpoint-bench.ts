import autocannon from 'autocannon';
import { countdownBody, post, replyCode, valuesBody } from './bodies.js';
import { type ServerProcess, startAgent, startBareServer, startPythonStub } from './processes.js';

export type ServerName = 'agent' | 'python' | 'bare';

export interface EndpointRow {
  call: string;
  server: ServerName;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests that got no 200 or failed at the socket: must be 0 for the row to count. */
  failures: number;
}

export interface EndpointBenchOptions {
  /** Seconds of measured load per call and server (after a 1 s warm-up). */
  seconds: number;
  /** The three calls' sizes: [countdown small, countdown large, values large]. */
  sizes: [number, number, number];
  connections: number;
}

/**
 * Each call against the agent (real journal, no-op SSH runner), the Python stub and the bare floor, one
 * after another in the same run, one autocannon load at a time.
 */
export async function benchEndpoint(options: EndpointBenchOptions): Promise<EndpointRow[]> {
  const [small, large, values] = options.sizes;
  const calls = [
    { call: `NotifyDeletePending, ${small} nodes`, body: countdownBody(small) },
    { call: `NotifyDeletePending, ${large.toLocaleString('en')} nodes`, body: countdownBody(large) },
    { call: `SetResourceValues, ${values.toLocaleString('en')} nodes`, body: valuesBody(values) },
  ];
  const servers: Array<[ServerName, ServerProcess]> = [
    ['agent', await startAgent({ nodes: Math.max(large, values), runner: 'noop' })],
    ['python', await startPythonStub()],
    ['bare', await startBareServer()],
  ];
  const rows: EndpointRow[] = [];
  try {
    const [, agent] = servers[0]!;
    // The first countdown starts every drain; the measured calls are the repeats that follow it.
    const first = await post(agent.port, countdownBody(large));
    if (replyCode(first) !== 0) throw new Error(`the agent refused the priming countdown: ${first.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const { call, body } of calls) {
      for (const [server, process] of servers) {
        const url = `http://127.0.0.1:${process.port}/dynslice`;
        await load(url, body, 1, options.connections);
        const result = await load(url, body, options.seconds, options.connections);
        rows.push({
          call,
          server,
          requestsPerSecond: result['2xx'] / result.duration,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          failures: result.non2xx + result.errors + result.timeouts,
        });
        console.info(
          `  ${call} → ${server}: ${rows.at(-1)!.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map(([, process]) => process.stop()));
  }
  return rows;
}

function load(url: string, body: string, seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
    connections,
    duration: seconds,
    timeout: 30,
  });
}
