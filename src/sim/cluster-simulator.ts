import type { Logger } from 'pino';
import type { Policy } from '../cluster/cluster-client.js';
import { runCountdown } from './countdown-run.js';
import type { Scenario } from './scenario.js';
import { createServerApi, type ServerApi, type ServerApiOptions } from './server-api.js';
import type { SimEvent, SimNode, SimRecord } from './sim-record.js';

export const SIM_SLICE_URN = 'urn:publicid:IDN+sim.dynslice.local+slice+rehearsal';

export interface ClusterSimulatorOptions {
  /** The slice's nodes, oldest first. */
  nodes: readonly SimNode[];
  logger: Logger;
  maxwaittime?: number;
  policy?: Policy;
  sliceUrn?: string;
  tls?: ServerApiOptions['tls'];
}

export interface SimRunOptions {
  onEvent?: (event: SimEvent) => void;
  /** How long to wait for the agent's SetSliceClientEndpoint. */
  registrationTimeoutMs?: number;
}

export interface ClusterSimulator {
  readonly api: ServerApi;
  readonly sliceUrn: string;
  /** Serves the server-side API on loopback; resolves with its URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Plays the scenario against the registered endpoint. */
  run(scenario: Scenario, options?: SimRunOptions): Promise<SimRecord>;
  close(): Promise<void>;
}

/** The cluster's side of dynslice on this machine: registration API plus the calls to the agent. */
export function createClusterSimulator(options: ClusterSimulatorOptions): ClusterSimulator {
  const sliceUrn = options.sliceUrn ?? SIM_SLICE_URN;
  const api = createServerApi({
    maxwaittime: options.maxwaittime ?? 3600,
    policy: options.policy ?? 'LIFO',
    sliceUrn,
    logger: options.logger,
    tls: options.tls,
  });
  const stop = new AbortController();
  return {
    api,
    sliceUrn,
    listen: (port = 0, host = '127.0.0.1') => api.listen(port, host),
    async run(scenario, runOptions = {}) {
      const registration = await api.waitForRegistration(runOptions.registrationTimeoutMs ?? 10_000);
      return runCountdown({
        endpointUrl: registration.url,
        policy: registration.policy,
        nodes: options.nodes,
        scenario,
        waitTime: scenario.waitTime ?? registration.defwaittime,
        onEvent: runOptions.onEvent,
        signal: stop.signal,
      });
    },
    async close() {
      stop.abort();
      await api.close();
    },
  };
}
