import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import type { AgentConfig } from '../config/schema.js';
import { accountAccessProblem, accountOf } from '../deploy/account-access.js';
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

/** The files the service reads, by key (those the configuration names). */
const filesRead = (config: AgentConfig): Array<[string, string]> =>
  (
    [
      ['ssh.privateKeyPath', config.ssh.privateKeyCommand === undefined ? config.ssh.privateKeyPath : undefined],
      ['endpoint.tokenFile', config.endpoint.tokenFile],
      ['endpoint.tls.cert', config.endpoint.tls?.cert],
      ['endpoint.tls.key', config.endpoint.tls?.key],
      ['endpoint.tls.passphraseFile', config.endpoint.tls?.passphraseFile],
      ['endpoint.clientCa', config.endpoint.clientCa],
    ] as Array<[string, string | undefined]>
  ).filter((entry): entry is [string, string] => entry[1] !== undefined);

/**
 * What the account the unit runs as could not read or write, by owners and modes. Under the
 * unit's StateDirectory systemd gives everything to that account at start: only the rest is judged.
 */
async function accountWarnings(config: AgentConfig, user: string): Promise<string[]> {
  const account = await accountOf(user);
  if (account === null)
    return [
      `--user ${user}: no such account: make it first (useradd --system --no-create-home --shell /usr/sbin/nologin ${user})`,
    ];
  const warnings: string[] = [];
  const judge = async (key: string, path: string, want: 'read' | 'write', fix: string) => {
    if (within(resolve(path), WRITABLE) || within(resolve(path), '/root')) return;
    const problem = await accountAccessProblem(account, path, want);
    if (problem !== null) warnings.push(`${key}: ${problem}: ${fix}`);
  };
  await judge('state.dir', config.state.dir, 'write', `chown -R ${user}: ${config.state.dir}`);
  for (const [key, file] of filesRead(config)) await judge(key, file, 'read', `chown ${user}: ${file}`);
  return warnings;
}

/** What the configuration names that the unit's sandbox would keep the service from using. */
function sandboxWarnings(config: AgentConfig, user: string): string[] {
  const warnings: string[] = [];
  if (!within(resolve(config.state.dir), WRITABLE))
    warnings.push(
      `state.dir ${config.state.dir} lies outside ${WRITABLE}, the only directory the unit lets the agent ` +
        `write (ProtectSystem=strict): set state.dir: ${WRITABLE}`,
    );
  for (const [key, file] of filesRead(config)) {
    if (within(resolve(file), '/root'))
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
      const warnings = [...sandboxWarnings(config, options.user), ...(await accountWarnings(config, options.user))];
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(serviceUnit({ node, bin, config: resolve(options.config), user: options.user }));
    });
}
