import { Command } from 'commander';
import { packageVersion } from '../package-info.js';
import { checkCommand } from './check-command.js';
import { demoCommand } from './demo-command.js';
import { drillCommand } from './drill-command.js';
import { historyCommand } from './history-command.js';
import { initCommand } from './init-command.js';
import { loadConfigOrExit as load } from './load-config-or-exit.js';
import { nodesCommand } from './nodes-command.js';
import { registerCommands } from './register-command.js';
import { runAgent } from './run-command.js';
import { serviceCommand } from './service-command.js';
import { statusCommand } from './status-command.js';
import { tokenCommand } from './token-command.js';
import { visualizeCommand } from './visualize-command.js';

export interface CliHooks {
  /**
   * Called by `run` with the functions that stop the agent and re-read its node list (main.ts wires them to signals).
   */
  onStarted(stop: () => Promise<void>, reload?: () => Promise<unknown>): void;
}

export function buildProgram(hooks: CliHooks): Command {
  const program = new Command('dynslice-agent')
    .description('Client-side endpoint for CloudLab dynamic slices: drains nodes before the cluster takes them back.')
    .version(packageVersion(), '-V, --version', "print this install's version")
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('start the agent: serve the endpoint and drain nodes when the cluster revokes them')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .option(
      '--shadow',
      'answer the cluster but execute nothing and never release early; log when nodes would have been released',
    )
    .action(async (options: { config: string; shadow?: boolean }) => {
      const agent = await runAgent(await load(options.config), { shadow: options.shadow, configFile: options.config });
      hooks.onStarted(
        () => agent.stop(),
        () => agent.reloadNodes(),
      );
    });

  program.addCommand(initCommand().copyInheritedSettings(program));
  program.addCommand(serviceCommand().copyInheritedSettings(program));
  program.addCommand(checkCommand().copyInheritedSettings(program));
  program.addCommand(nodesCommand().copyInheritedSettings(program));
  program.addCommand(historyCommand().copyInheritedSettings(program));
  program.addCommand(tokenCommand().copyInheritedSettings(program));
  program.addCommand(visualizeCommand().copyInheritedSettings(program));
  program.addCommand(statusCommand().copyInheritedSettings(program));
  program.addCommand(demoCommand(hooks).copyInheritedSettings(program));
  program.addCommand(drillCommand(load).copyInheritedSettings(program));
  for (const command of registerCommands(load)) program.addCommand(command.copyInheritedSettings(program));

  return program;
}
