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
  const calls = endpointCalls(options.sizes);
  const servers: Array<[ServerName, ServerProcess]> = [
    ['agent', await primedAgent(options.sizes)],
    ['python', await startPythonStub()],
    ['bare', await startBareServer()],
  ];
  const rows: EndpointRow[] = [];
  try {
    for (const { call, body } of calls) {
      for (const [server, process] of servers) {
        rows.push(await measureCall(process.port, call, body, server, options));
        const row = rows.at(-1)!;
        console.info(
          `  ${call} → ${server}: ${row.requestsPerSecond.toFixed(0)} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map(([, process]) => process.stop()));
  }
  return rows;
}

/** The agent alone (compiled from `compiled`, for `--compare`): each call's row. */
export async function benchAgentEndpoint(options: EndpointBenchOptions, compiled?: string): Promise<EndpointRow[]> {
  const agent = await primedAgent(options.sizes, compiled);
  try {
    const rows: EndpointRow[] = [];
    for (const { call, body } of endpointCalls(options.sizes))
      rows.push(await measureCall(agent.port, call, body, 'agent', options));
    return rows;
  } finally {
    await agent.stop();
  }
}

export function endpointCalls([small, large, values]: EndpointBenchOptions['sizes']) {
  return [
    { call: `NotifyDeletePending, ${small} nodes`, body: countdownBody(small) },
    { call: `NotifyDeletePending, ${large.toLocaleString('en')} nodes`, body: countdownBody(large) },
    { call: `SetResourceValues, ${values.toLocaleString('en')} nodes`, body: valuesBody(values) },
  ];
}

/** An agent whose nodes have had their first countdown: the measured calls are the repeats that follow it. */
async function primedAgent([, large, values]: EndpointBenchOptions['sizes'], compiled?: string) {
  const agent = await startAgent({ nodes: Math.max(large, values), runner: 'noop' }, compiled);
  const first = await post(agent.port, countdownBody(large));
  if (replyCode(first) !== 0) {
    await agent.stop();
    throw new Error(`the agent refused the priming countdown: ${first.slice(0, 300)}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return agent;
}

/** A second of warm-up, then `seconds` of load. */
async function measureCall(
  port: number,
  call: string,
  body: string,
  server: ServerName,
  options: Pick<EndpointBenchOptions, 'seconds' | 'connections'>,
): Promise<EndpointRow> {
  const url = `http://127.0.0.1:${port}/dynslice`;
  await load(url, body, 1, options.connections);
  const result = await load(url, body, options.seconds, options.connections);
  return {
    call,
    server,
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
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
