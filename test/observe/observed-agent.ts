import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { type StatusServer, startStatusServer } from '../../src/observe/status-server.js';
import type { Store } from '../../src/store/store.js';
import { type CapturedLog, captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

export const NODES = [
  { node_id: 'pc101', client_id: 'node1', host: 'node1.example.test' },
  { node_id: 'pc102', client_id: 'node2', host: 'node2.example.test' },
  { node_id: 'pc103', client_id: 'node3', host: 'node3.example.test' },
];

export const STOP_JOBS = {
  name: 'stop-jobs',
  run: 'pkill -f my-job; true',
  verify: '! pgrep -f my-job',
  timeoutSeconds: 30,
  verifyAttempts: 2,
  verifyIntervalSeconds: 0.05,
};

export interface ObservedAgent {
  agent: Agent;
  runner: FakeSshRunner;
  status: StatusServer;
  endpointUrl: string;
  lines: CapturedLog[];
  /** Calls the endpoint with Python's xmlrpc.client; returns the reply struct. */
  call(method: string, params?: unknown): Promise<{ code: number; value: unknown; output: string }>;
  /** A countdown call naming `nodes` (all by default) with this max_wait_time. */
  countdown(maxWaitTime: number, nodes?: typeof NODES): Promise<{ node_id: string; max_wait_time: number }[]>;
  api<T>(path: string, token?: string): Promise<{ status: number; body: T; text: string }>;
  stop(): Promise<void>;
}

/** A real agent (real endpoint on 127.0.0.1:0, real status server) whose SSH is a FakeSshRunner; journaled into `store` when given. */
export async function startObservedAgent(
  overrides: Record<string, unknown> = {},
  statusToken?: string,
  store?: Store,
): Promise<ObservedAgent> {
  const config = parseConfig(
    {
      endpoint: { listen: '127.0.0.1:0' },
      nodes: NODES,
      drain: { steps: [STOP_JOBS], bestEffortSeconds: 1 },
      ...overrides,
    },
    'observed-agent',
    '/tmp',
  );
  const { logger, lines } = captureLogger('info');
  const runner = new FakeSshRunner();
  const agent = createAgent({ config, logger, runner, store });
  const endpoint = await agent.listen(0, '127.0.0.1');
  const status = await startStatusServer(agent, { listen: '127.0.0.1:0', token: statusToken, logger });
  const call = async (method: string, params?: unknown) => {
    const [outcome] = await callWithPython(endpoint.url, [{ method, params: params === undefined ? [] : [params] }]);
    if (!outcome || outcome.fault) throw new Error(`fault: ${JSON.stringify(outcome?.fault)}`);
    return outcome.result as { code: number; value: unknown; output: string };
  };
  return {
    agent,
    runner,
    status,
    endpointUrl: endpoint.url,
    lines,
    call,
    async countdown(maxWaitTime, nodes = NODES) {
      const nodelist = nodes.map((n) => ({ node_id: n.node_id, client_id: n.client_id, max_wait_time: maxWaitTime }));
      const reply = await call('NotifyDeletePending', { nodelist });
      return reply.value as { node_id: string; max_wait_time: number }[];
    },
    async api<T>(path: string, token = statusToken) {
      const response = await fetch(`${status.url}${path}`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      const text = await response.text();
      const json = response.headers.get('content-type')?.startsWith('application/json')
        ? (JSON.parse(text) as T)
        : (undefined as T);
      return { status: response.status, body: json, text };
    },
    async stop() {
      await status.close();
      await agent.close();
    },
  };
}

/** The value of one sample in Prometheus text, e.g. sample(text, 'dynslice_nodes{state="drained"}'). */
export function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
