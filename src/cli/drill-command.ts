import { Command } from 'commander';
import { DEFAULT_DRILL_SCENARIO, runDrill } from '../sim/drill.js';
import { loadScenario } from '../sim/scenario.js';
import { runnerFor } from '../ssh/runner-for.js';
import { CliExit, EXIT } from './exit-codes.js';
import { readNodeListOrExit } from './node-list-or-exit.js';
import { preflight } from './preflight.js';
import { readPrivateKeyOrExit } from './private-key-or-exit.js';
import { exitFor, type LoadConfig } from './register-command.js';

/** `dynslice-agent drill`: rehearse the configured drain plan against the configured nodes. */
export function drillCommand(load: LoadConfig): Command {
  return new Command('drill')
    .description('play the cluster (simulator) against your configured nodes and drain plan, and report per node')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .option('--scenario <file>', 'scenario YAML (default: every node revoked at once, a call every 10 s)')
    .option('--dry-run', 'execute nothing on the nodes: report what the plan would run')
    .action(async (options: { config: string; scenario?: string; dryRun?: boolean }) => {
      const config = await load(options.config);
      const scenario =
        options.scenario === undefined
          ? DEFAULT_DRILL_SCENARIO
          : await loadScenario(options.scenario).catch((e: unknown) => {
              throw exitFor(e, 'the drill');
            });
      // A drill that could not log in anywhere, or write its log in state.dir, says why once, as
      // check and run do, not once per node.
      await preflight(config, { dryRun: options.dryRun === true || config.dryRun });
      const { list: nodeList } = await readNodeListOrExit(config);
      const privateKey = options.dryRun ? undefined : await readPrivateKeyOrExit(config);
      const problems = await runDrill({
        config,
        nodeList,
        scenario,
        createRunner: (logger) => runnerFor(config, options.dryRun ? 'dry-run' : 'configured', { logger, privateKey }),
        write: (text) => void process.stdout.write(text),
      }).catch((error: unknown) => {
        throw exitFor(error, 'the drill');
      });
      // Exit with the verdict rather than wait for SSH connections and timers to wind down.
      throw new CliExit(problems.length === 0 ? EXIT.ok : EXIT.failure);
    });
}
