import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import type { AgentConfig } from '../config/schema.js';
import { EXAMPLE_UNIT_PATHS, serviceUnit } from '../deploy/service-unit.js';
import { packageRoot } from '../package-info.js';
import { CliExit, EXIT } from './exit-codes.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

interface ServiceOptions {
  print?: boolean;
  config: string;
  user: string;
  node?: string;
  bin?: string;
}

const USER = /^[a-z_][a-z0-9_-]*$/;

/** The one directory the unit lets the agent write (StateDirectory=, under ProtectSystem=strict). */
const WRITABLE = '/var/lib/dynslice-agent';

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** What the configuration names that the unit's sandbox would keep the service from using. */
function sandboxWarnings(config: AgentConfig, user: string): string[] {
  const warnings: string[] = [];
  if (!within(resolve(config.state.dir), WRITABLE))
    warnings.push(
      `state.dir ${config.state.dir} lies outside ${WRITABLE}, the only directory the unit lets the agent ` +
        `write (ProtectSystem=strict): set state.dir: ${WRITABLE}`,
    );
  const files: Array<[string, string | undefined]> = [
    ['ssh.privateKeyPath', config.ssh.privateKeyCommand === undefined ? config.ssh.privateKeyPath : undefined],
    ['endpoint.tokenFile', config.endpoint.tokenFile],
    ['endpoint.tls.cert', config.endpoint.tls?.cert],
    ['endpoint.tls.key', config.endpoint.tls?.key],
  ];
  for (const [key, file] of files) {
    if (file !== undefined && within(resolve(file), '/root'))
      warnings.push(
        `${key} ${file} is under /root, which the ${user} account cannot read: copy it into ${WRITABLE} ` +
          `(chown ${user}:, mode 0600) and point ${key} there`,
      );
  }
  return warnings;
}

/** `service --print`: the systemd unit for this install (node, script and configuration paths). */
export function serviceCommand(): Command {
  return new Command('service')
    .description('print a systemd unit that runs the agent as a service (restarts, reboots, reload on SIGHUP)')
    .option('--print', 'print the unit file to stdout')
    .option('-c, --config <file>', 'the configuration the service runs', EXAMPLE_UNIT_PATHS.config)
    .option('--user <name>', 'the dedicated account it runs as', EXAMPLE_UNIT_PATHS.user)
    .option('--node <path>', 'the node executable (default: the one running this command)')
    .option('--bin <path>', "the agent's bin/dynslice-agent.js (default: this install's)")
    .action(async (options: ServiceOptions) => {
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
      // The unit runs this configuration: it must load, and what it names must be reachable in the sandbox.
      const config = await loadConfigOrExit(resolve(options.config));
      for (const warning of sandboxWarnings(config, options.user)) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(serviceUnit({ node, bin, config: resolve(options.config), user: options.user }));
    });
}
