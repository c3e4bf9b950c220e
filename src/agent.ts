import type { Logger } from 'pino';
import type { AgentConfig } from './config/schema.js';
import { compilePlan } from './drain/plan.js';
import { createEndpointServer } from './endpoint/http-server.js';
import type { Clock, StateChange } from './slice/node-actor.js';
import { Slice } from './slice/slice.js';
import type { SshRunner } from './ssh/ssh-runner.js';

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  runner: SshRunner;
  now?: () => number;
  clock?: Clock;
  onChange?: (change: StateChange) => void;
}

export interface Agent {
  slice: Slice;
  /** Starts serving the endpoint; resolves with the bound address. */
  listen(port: number, host: string): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
}

/** Wires the parts together; does no I/O until `listen`. */
export function createAgent(deps: AgentDeps): Agent {
  const { config, logger, runner } = deps;
  const slice = new Slice({
    plan: compilePlan(config.drain.steps),
    runner,
    logger,
    now: deps.now ?? Date.now,
    clock: deps.clock,
    bestEffortSeconds: config.drain.bestEffortSeconds,
    onFailure: config.drain.onFailure,
    ssh: { user: config.ssh.user, port: config.ssh.port },
    hostTemplate: config.hostTemplate,
    unknownNodes: config.unknownNodes,
    onChange: deps.onChange,
  });
  for (const node of config.nodes) {
    slice.addNode({
      nodeId: node.node_id,
      clientId: node.client_id ?? null,
      target: {
        nodeId: node.node_id,
        host: node.host,
        port: node.port ?? config.ssh.port,
        user: node.user ?? config.ssh.user,
      },
    });
  }
  const endpoint = createEndpointServer({
    path: config.endpoint.path,
    handlers: slice,
    logger,
    maxBodyBytes: config.endpoint.maxBodyBytes,
    maxNodesPerCall: config.endpoint.maxNodesPerCall,
    headersTimeoutMs: config.endpoint.headersTimeoutSeconds * 1000,
    requestTimeoutMs: config.endpoint.requestTimeoutSeconds * 1000,
  });

  return {
    slice,
    async listen(port, host) {
      const address = await endpoint.listen(port, host);
      const shownHost = address.host.includes(':') ? `[${address.host}]` : address.host;
      return { ...address, url: `http://${shownHost}:${address.port}${config.endpoint.path}` };
    },
    async close() {
      await endpoint.close();
      slice.stop();
      await runner.close();
    },
  };
}
