import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { EXAMPLE_UNIT_PATHS, serviceUnit } from '../deploy/service-unit.js';
import { packageRoot } from '../package-info.js';
import { CliExit, EXIT } from './exit-codes.js';

interface ServiceOptions {
  print?: boolean;
  config: string;
  user: string;
  node?: string;
  bin?: string;
}

const USER = /^[a-z_][a-z0-9_-]*$/;

/** `service --print`: the systemd unit for this install (node, script and configuration paths). */
export function serviceCommand(): Command {
  return new Command('service')
    .description('print a systemd unit that runs the agent as a service (restarts, reboots, reload on SIGHUP)')
    .option('--print', 'print the unit file to stdout')
    .option('-c, --config <file>', 'the configuration the service runs', EXAMPLE_UNIT_PATHS.config)
    .option('--user <name>', 'the dedicated account it runs as', EXAMPLE_UNIT_PATHS.user)
    .option('--node <path>', 'the node executable (default: the one running this command)')
    .option('--bin <path>', "the agent's bin/dynslice-agent.js (default: this install's)")
    .action((options: ServiceOptions) => {
      if (!options.print) throw new CliExit(EXIT.config, 'service: nothing to do (--print writes the unit to stdout)');
      if (!USER.test(options.user))
        throw new CliExit(EXIT.config, `--user: ${JSON.stringify(options.user)} is not an account name`);
      const node = options.node ?? process.execPath;
      const bin = options.bin ?? realpathSync(join(packageRoot(), 'bin', 'dynslice-agent.js'));
      for (const [flag, path] of [
        ['--node', node],
        ['--bin', bin],
      ] as const) {
        if (!isAbsolute(path)) throw new CliExit(EXIT.config, `${flag}: ${path} is not an absolute path`);
      }
      process.stdout.write(serviceUnit({ node, bin, config: resolve(options.config), user: options.user }));
    });
}
