import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfig } from '../config/load-config.js';
import { loadDrainPlan } from '../drain/load-plan.js';
import { createLogger } from '../log/logger.js';
import { startStatusServer } from '../observe/status-server.js';
import { runnerFor } from '../ssh/runner-for.js';
import { type EmulatedNodes, startEmulatedNodes } from './emulated-nodes.js';
import { describeSummary, timedWriter } from './narration.js';
import { JOB_DRAIN_STEP } from './node-job.js';
import { startRehearsal } from './rehearsal.js';
import type { Scenario } from './scenario.js';
import { summarize, unmetExpectations } from './sim-summary.js';

export interface DemoOptions {
  nodes: number;
  scenario: Scenario;
  scenarioSource: string;
  write: (text: string) => void;
}

export interface Demo {
  /** Where each part can be reached while the demo runs. */
  urls: { agent: string; simulator: string; dashboard: string };
  dir: string;
  /** Plays the scenario; resolves with what did not end as it expects (empty when it did). */
  play(): Promise<string[]>;
  /** Stops everything (a running scenario too) and removes the demo's directory. */
  stop(): Promise<void>;
}

/** The default scenario file, found from this module in src/ or dist/src/. */
export function defaultScenarioPath(): string {
  for (let dir = import.meta.dirname, up = 0; up < 5; dir = dirname(dir), up += 1) {
    const candidate = join(dir, 'examples', 'scenarios', 'default.yaml');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('examples/scenarios/default.yaml not found next to the package');
}

function agentConfig(nodes: EmulatedNodes, dir: string) {
  const doc = {
    endpoint: { listen: '127.0.0.1:0' },
    ssh: {
      user: nodes.nodes[0]?.user,
      privateKeyPath: nodes.privateKeyPath,
      knownHostsPath: nodes.knownHostsPath,
      hostKeyChecking: 'yes',
      connectTimeoutSeconds: 5,
    },
    nodes: nodes.nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, host: n.host, port: n.port })),
    drain: { steps: [JOB_DRAIN_STEP], bestEffortSeconds: 3, onFailure: 'hold' },
    state: { dir: join(dir, 'state') },
  };
  return parseConfig(doc, 'demo configuration', dir);
}

/** Nodes whose job did not save all of its work before the cluster took the node. */
async function jobsWithLostWork(nodes: EmulatedNodes, revoked: readonly string[]): Promise<string[]> {
  const lost: string[] = [];
  for (const node of nodes.nodes.filter((n) => revoked.includes(n.nodeId))) {
    const job = await node.job.state();
    if (job.running || job.checkpoint !== job.progress) lost.push(node.nodeId);
  }
  return lost;
}

/** The whole product on this machine: simulator, emulated nodes, agent, ready to play a scenario. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { write, scenario } = options;
  const startedAt = Date.now();
  const say = timedWriter(write, startedAt);
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-demo-'));
  const logger = createLogger({ level: 'info', destination: createWriteStream(join(dir, 'agent.log')) });
  const cleanup: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    const nodes = await startEmulatedNodes({ count: options.nodes, baseDir: dir });
    cleanup.push(() => nodes.stop());
    const config = agentConfig(nodes, dir);
    const runner = runnerFor(config, 'ssh', { logger });
    const rehearsal = await startRehearsal({
      config,
      runner,
      plan: await loadDrainPlan(config),
      logger,
      nodes: nodes.nodes,
      defwaittime: scenario.waitTime ?? 30,
      say,
    });
    cleanup.push(() => rehearsal.close());
    const status = await startStatusServer(rehearsal.agent, { listen: '127.0.0.1:0', logger });
    cleanup.push(() => status.close());
    const { registered } = rehearsal;
    write(
      `${[
        'dynslice-agent demo: a cluster simulator, emulated nodes and the agent, all on this machine',
        `  cluster simulator  ${rehearsal.simUrl}`,
        `  emulated nodes     ${nodes.nodes.length} SSH servers on 127.0.0.1, each running a job that counts ` +
          `work units`,
        `  agent endpoint     ${rehearsal.agentUrl}  (registered: policy ${registered.policy}, defwaittime ` +
          `${registered.defwaittime} s)`,
        `  dashboard          ${status.dashboardUrl}`,
        `  scenario           ${scenario.name}: ${scenario.description ?? ''} (${options.scenarioSource})`,
        `                     a countdown call every ${scenario.interval} s (the real cluster: 60 s)`,
        '',
      ].join('\n')}\n`,
    );
    return {
      urls: { agent: rehearsal.agentUrl, simulator: rehearsal.simUrl, dashboard: status.dashboardUrl },
      dir,
      async play() {
        const record = await rehearsal.run(scenario);
        const revoked = record.nodes.map((n) => n.nodeId);
        const workLost = [
          ...new Set([...rehearsal.facts.workLost(), ...(await jobsWithLostWork(nodes, revoked))]),
        ].sort();
        const problems = unmetExpectations(scenario.expect, record, workLost);
        const summary = describeSummary(summarize(record), workLost)
          .map((l) => `  ${l}\n`)
          .join('');
        write(`\nSummary (${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n${summary}`);
        write(
          problems.length === 0
            ? '  ended as expected\n'
            : `  NOT as expected:\n${problems.map((p) => `    - ${p}\n`).join('')}`,
        );
        return problems;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
