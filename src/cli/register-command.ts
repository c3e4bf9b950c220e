import { Command } from 'commander';
import { ClusterError } from '../cluster/cluster-error.js';
import { registerFromConfig, unregisterFromConfig } from '../cluster/config-registration.js';
import { shownEndpoint } from '../cluster/registration.js';
import { ConfigError } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { CliExit, configExit, EXIT } from './exit-codes.js';
import { askPassphrase, onTerminal } from './terminal-prompt.js';

export type LoadConfig = (file: string) => Promise<AgentConfig>;

/** Configuration problems exit 2, a cluster that refuses or cannot be reached exits 1. */
export function exitFor(error: unknown, what: string): unknown {
  if (error instanceof ConfigError) return configExit(error);
  if (error instanceof ClusterError) return new CliExit(EXIT.failure, `${what} failed: ${error.message}`);
  return error;
}

/** A command that loads the configuration, logs to stderr, and prints what `act` returns. */
function clusterCommand(
  name: string,
  description: string,
  load: LoadConfig,
  act: (config: AgentConfig, file: string, logger: Logger) => Promise<string>,
): Command {
  return new Command(name)
    .description(description)
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (options: { config: string }) => {
      const config = await load(options.config);
      // Logs (retries, timings) go to stderr; the result is stdout's only line.
      const logger = createLogger({ level: config.log.level, destination: process.stderr });
      const line = await act(config, options.config, logger).catch((error: unknown) => {
        throw exitFor(error, name === 'register' ? 'registration' : 'unregistration');
      });
      process.stdout.write(`${line}\n`);
    });
}

/** On a terminal, the passphrase of an encrypted key without cluster.passphraseFile is asked for. */
const secretOptions = () => (onTerminal() ? { askPassphrase } : {});

/** `register` and `unregister`: SetSliceClientEndpoint / RemoveSliceClientEndpoint by hand. */
export function registerCommands(load: LoadConfig): Command[] {
  return [
    clusterCommand(
      'register',
      "register the agent's endpoint with the cluster (SetSliceClientEndpoint) using the cluster: section",
      load,
      async (config, file, logger) => {
        const registered = await registerFromConfig(config, file, logger, undefined, secretOptions());
        return (
          `registered ${shownEndpoint(registered.endpointUrl)} for ${config.cluster.sliceUrn}: ` +
          `policy ${registered.policy}, defwaittime ${registered.defwaittime} s (cluster maxwaittime ` +
          `${registered.maxwaittime} s)`
        );
      },
    ),
    clusterCommand(
      'unregister',
      "remove the agent's endpoint from the cluster (RemoveSliceClientEndpoint)",
      load,
      async (config, file, logger) => {
        await unregisterFromConfig(config, file, logger, secretOptions());
        return `removed the endpoint of ${config.cluster.sliceUrn}`;
      },
    ),
  ];
}
