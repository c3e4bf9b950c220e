import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { CliExit, EXIT } from './exit-codes.js';
import { runAgent } from './run-command.js';

export interface CliHooks {
  /** Called by `run` with the function that stops the agent (main.ts wires it to signals). */
  onStarted(stop: () => Promise<void>): void;
}

async function load(file: string) {
  try {
    return await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliExit(EXIT.config, error.message);
    throw error;
  }
}

export function buildProgram(hooks: CliHooks): Command {
  const program = new Command('dynslice-agent')
    .description('Client-side endpoint for CloudLab dynamic slices: drains nodes before the cluster takes them back.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('start the agent: serve the endpoint and drain nodes when the cluster revokes them')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (options: { config: string }) => {
      hooks.onStarted(await runAgent(await load(options.config)));
    });

  program
    .command('check')
    .description('validate a configuration file and print what the agent would manage')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (options: { config: string }) => {
      const config = await load(options.config);
      process.stdout.write(
        `${options.config}: valid\n` +
          `  endpoint  ${config.endpoint.listen}${config.endpoint.path}\n` +
          `  nodes     ${config.nodes.length}${config.hostTemplate ? ` (+ learned: ${config.hostTemplate})` : ''}\n` +
          `  drain     ${config.drain.steps.map((s) => s.name).join(' → ') || '(no steps: nodes never verify)'}\n` +
          `  ssh       ${config.dryRun ? 'dry run' : `${config.ssh.user}@… key ${config.ssh.privateKeyPath}, host keys ${config.ssh.hostKeyChecking}`}\n`,
      );
    });

  return program;
}
