import type { Logger } from 'pino';
import { type Agent, type AgentDeps, createAgent } from '../agent.js';
import { createClusterClient } from '../cluster/cluster-client.js';
import { type Registered, registerEndpoint } from '../cluster/registration.js';
import type { AgentConfig } from '../config/schema.js';
import type { DrainPlan } from '../drain/plan.js';
import type { SshRunner } from '../ssh/runner-types.js';
import { type ClusterSimulator, createClusterSimulator } from './cluster-simulator.js';
import { describeSimEvent, describeTransition } from './narration.js';
import { NodeFactsTracker } from './node-facts.js';
import type { Scenario } from './scenario.js';
import type { SimNode, SimRecord } from './sim-record.js';

export interface RehearsalDeps {
  /** The agent's configuration; it listens on 127.0.0.1, port 0, whatever `endpoint.listen` says. */
  config: AgentConfig;
  runner: SshRunner;
  plan: DrainPlan;
  logger: Logger;
  /** The slice's nodes as the cluster knows them, oldest first. */
  nodes: readonly SimNode[];
  /** What the agent registers (SetSliceClientEndpoint). */
  defwaittime: number;
  maxwaittime?: number;
  /** Narration, one line per state change and per call of the simulated cluster. */
  say?: (line: string) => void;
  wrapHandlers?: AgentDeps['wrapHandlers'];
  nodeList?: AgentDeps['nodeList'];
}

export interface Rehearsal {
  agent: Agent;
  sim: ClusterSimulator;
  facts: NodeFactsTracker;
  registered: Registered;
  simUrl: string;
  agentUrl: string;
  run(scenario: Scenario): Promise<SimRecord>;
  close(): Promise<void>;
}

const REHEARSAL_CREDENTIAL =
  '<signed-credential><!-- the simulator checks only that one is sent --></signed-credential>';

/**
 * The cluster simulator and an in-process agent on loopback, the agent registered with the
 * simulator through the registration client, ready to play a scenario.
 */
export async function startRehearsal(deps: RehearsalDeps): Promise<Rehearsal> {
  const { config, logger, say } = deps;
  const facts = new NodeFactsTracker();
  const sim = createClusterSimulator({
    nodes: deps.nodes,
    logger: logger.child({ component: 'sim' }),
    maxwaittime: deps.maxwaittime ?? Math.max(3600, deps.defwaittime),
  });
  const agent = createAgent({
    config,
    logger,
    runner: deps.runner,
    plan: deps.plan,
    wrapHandlers: deps.wrapHandlers,
    nodeList: deps.nodeList,
    onChange: (change) => {
      facts.onChange(change);
      say?.(describeTransition(change));
    },
  });
  const close = async () => {
    await sim.close();
    await agent.close();
  };
  try {
    const simUrl = await sim.listen(0, '127.0.0.1');
    const { url: agentUrl } = await agent.listen(0, '127.0.0.1');
    const client = createClusterClient({ url: simUrl, timeoutMs: 10_000, retries: 2, retryDelayMs: 500, logger });
    const registered = await registerEndpoint(
      client,
      {
        sliceUrn: sim.sliceUrn,
        credentials: [REHEARSAL_CREDENTIAL],
        endpointUrl: agentUrl,
        defwaittime: deps.defwaittime,
      },
      logger,
    );
    return {
      agent,
      sim,
      facts,
      registered,
      simUrl,
      agentUrl,
      run: (scenario) => sim.run(scenario, { onEvent: (event) => say?.(describeSimEvent(event)) }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
