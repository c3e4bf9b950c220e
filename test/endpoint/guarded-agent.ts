import { SimulatedClock } from 'xstate';
import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { type CapturedLog, captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner, HANG } from '../helpers/fake-ssh-runner.js';

export const NODE_IDS = ['pc1', 'pc2', 'pc3'] as const;

export interface GuardedAgent {
  agent: Agent;
  runner: FakeSshRunner;
  lines: CapturedLog[];
  url: string;
  host: string;
  port: number;
  /** Every node's state and context, as JSON: equal strings mean no machine changed. */
  states(): string;
  close(): Promise<void>;
}

/**
 * A real agent (real Slice, real endpoint and sockets) with a recording SSH runner whose commands
 * never finish and a simulated clock that never moves: a node's state changes only when a call
 * reaches it, so comparing `states()` tells whether a call did.
 */
export async function startGuardedAgent(
  endpoint: Record<string, unknown>,
  { host = '127.0.0.1', logLevel = 'debug' }: { host?: string; logLevel?: string } = {},
): Promise<GuardedAgent> {
  const config = parseConfig(
    {
      endpoint: { listen: `${host.includes(':') ? `[${host}]` : host}:0`, ...endpoint },
      nodes: NODE_IDS.map((id, i) => ({ node_id: id, client_id: `node${i + 1}`, host: `${id}.test` })),
      drain: { steps: [{ name: 'stop-jobs', run: 'pkill job', verify: '! pgrep job' }] },
      state: { dir: '/nonexistent-never-written' },
    },
    'test',
    '/',
  );
  const runner = new FakeSshRunner();
  runner.defaultAnswer = HANG;
  const { logger, lines } = captureLogger(logLevel);
  const agent = createAgent({ config, logger, runner, clock: new SimulatedClock(), now: () => 1_800_000_000_000 });
  const address = await agent.listen(0, host);
  return {
    agent,
    runner,
    lines,
    ...address,
    states: () =>
      JSON.stringify(
        agent.slice.list().map((node) => {
          const snapshot = node.ensureStarted().getSnapshot();
          return [node.nodeId, snapshot.status, snapshot.value, snapshot.context];
        }),
      ),
    close: () => agent.close(),
  };
}
