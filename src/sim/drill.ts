import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { loadDrainPlan } from '../drain/load-plan.js';
import { createLogger } from '../log/logger.js';
import type { ManifestNodeList } from '../node-list/manifest-nodes.js';
import { DryRunSshRunner } from '../ssh/dry-run-runner.js';
import type { SshRunner } from '../ssh/runner-types.js';
import { describeDrill, describeDryRun } from './drill-report.js';
import { describeSummary, timedWriter } from './narration.js';
import { startRehearsal } from './rehearsal.js';
import { parseScenario, type Scenario } from './scenario.js';
import { summarize, unmetExpectations } from './sim-summary.js';

/** Without --scenario: every node revoked at once, a call every 10 s (the cluster: 60 s). */
export const DEFAULT_DRILL_SCENARIO: Scenario = parseScenario(
  { name: 'drill', description: 'every node revoked at once', interval: 10, otherNodes: 0 },
  'the built-in drill scenario',
);

/** The countdown the drill plays when neither the scenario nor cluster.defwaittime says. */
export const DEFAULT_DRILL_WAIT_SECONDS = 300;

export interface DrillOptions {
  config: AgentConfig;
  /** The slice's node list as read at start (the configuration's, or its manifest's). */
  nodeList: ManifestNodeList;
  scenario: Scenario;
  /** The runner the configuration describes (runnerFor): a dry run's logs what it would have run. */
  createRunner: (logger: ReturnType<typeof createLogger>) => SshRunner;
  write: (text: string) => void;
}

/**
 * The simulator plays the cluster against the configured nodes and drain plan: the agent runs in
 * this process on 127.0.0.1 (port 0) and is registered with the simulator. Returns what did not
 * end as the scenario expects (empty: the drill passed).
 */
export async function runDrill(options: DrillOptions): Promise<string[]> {
  const { config, scenario, write } = options;
  const { nodes } = options.nodeList;
  if (nodes.length === 0)
    throw new ConfigError("nodes: the drill needs the slice's nodes in the configuration", 'nodes');
  await mkdir(config.state.dir, { recursive: true });
  const logFile = join(config.state.dir, 'drill.log');
  const logger = createLogger({ level: config.log.level, destination: createWriteStream(logFile, { flags: 'a' }) });
  const runner = options.createRunner(logger);
  const dryRunner = runner instanceof DryRunSshRunner ? runner : null;
  // The simulator calls as the cluster does but presents no client certificate and comes from loopback.
  const endpoint = {
    ...config.endpoint,
    listen: '127.0.0.1:0',
    clientCa: undefined,
    clientSubjects: undefined,
    allow: undefined,
  };
  const startedAt = Date.now();
  const rehearsal = await startRehearsal({
    config: { ...config, endpoint },
    nodeList: { list: options.nodeList },
    runner,
    plan: await loadDrainPlan(config),
    logger,
    nodes: nodes.map((n) => ({ nodeId: n.nodeId, clientId: n.clientId })),
    defwaittime: scenario.waitTime ?? config.cluster.defwaittime ?? DEFAULT_DRILL_WAIT_SECONDS,
    say: timedWriter(write, startedAt),
  });
  write(
    `drill: ${scenario.name}, ${nodes.length} nodes, ` +
      `${dryRunner ? 'DRY RUN (nothing is executed on the nodes)' : 'the real drain plan over SSH'}; agent ` +
      `log ${logFile}\n`,
  );
  try {
    const record = await rehearsal.run(scenario);
    const workLost = rehearsal.facts.workLost();
    const problems = unmetExpectations(scenario.expect, record, workLost);
    const block = (title: string, lines: string[]) => write(`\n${title}\n${lines.map((l) => `  ${l}\n`).join('')}`);
    block(
      'Per node',
      describeDrill(record, (id) => rehearsal.facts.get(id), dryRunner !== null),
    );
    if (dryRunner) block('Dry run: commands not executed', describeDryRun(dryRunner.calls));
    block('Summary', [
      ...describeSummary(summarize(record), workLost),
      problems.length > 0
        ? 'drill FAILED:'
        : dryRunner
          ? 'dry run complete: nothing was executed on the nodes, so nothing was verified (run without --dry-run to test the plan)'
          : 'drill passed',
      ...problems.map((p) => `  - ${p}`),
    ]);
    return problems;
  } finally {
    await rehearsal.close();
    logger.flush();
  }
}
