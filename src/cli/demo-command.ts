import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { defaultScenarioPath, startDemo } from '../sim/demo.js';
import { loadScenario } from '../sim/scenario.js';
import { CliExit, configExit, EXIT } from './exit-codes.js';
import type { CliHooks } from './program.js';

const nodeCount = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
};

/** `dynslice-agent demo` (what `npm start` runs): the whole product on this machine. */
export function demoCommand(hooks: CliHooks): Command {
  return new Command('demo')
    .description('run the cluster simulator, emulated nodes and the agent on this machine, and play a scenario')
    .option('--once', 'exit after the scenario: status 0 if it ended as expected')
    .option('--nodes <n>', 'emulated nodes', nodeCount, 8)
    .option('--scenario <file>', 'scenario to play (default: examples/scenarios/default.yaml)')
    .action(async (options: { once?: boolean; nodes: number; scenario?: string }) => {
      const source = options.scenario ?? defaultScenarioPath();
      const scenario = await loadScenario(source).catch((error: unknown) => {
        throw error instanceof ConfigError ? configExit(error) : error;
      });
      const write = (text: string) => void process.stdout.write(text);
      const demo = await startDemo({ nodes: options.nodes, scenario, scenarioSource: source, write });
      // Ctrl-C stops the nodes' jobs and servers, during the scenario as after it.
      hooks.onStarted(() => demo.stop());
      const problems = await demo.play();
      if (options.once) {
        await demo.stop();
        // Exit now, with the verdict, rather than wait for every socket and timer to wind down.
        throw new CliExit(
          problems.length === 0 ? EXIT.ok : EXIT.failure,
          problems.length === 0 ? '' : 'the demo did not end as expected',
        );
      }
      write(
        `\nStill serving (Ctrl-C to stop):\n  dashboard  ${demo.urls.dashboard}\n  agent      ${demo.urls.agent}\n` +
          `  simulator  ${demo.urls.simulator}\n  files      ${demo.dir}  (agent.log; per node: job.sh, ` +
          `progress, checkpoint)\n`,
      );
    });
}
