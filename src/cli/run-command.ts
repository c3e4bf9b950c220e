import { mkdir } from 'node:fs/promises';
import { createAgent } from '../agent.js';
import { parseListenAddress } from '../config/listen-address.js';
import type { AgentConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { DryRunSshRunner } from '../ssh/dry-run-runner.js';
import { createNodeSshRunner } from '../ssh/node-ssh-runner.js';
import type { SshRunner } from '../ssh/ssh-runner.js';

/** Dry-run is an implementation chosen once here, not a flag checked everywhere. */
function createRunner(config: AgentConfig, logger: Logger): SshRunner {
  if (config.dryRun) return new DryRunSshRunner(logger);
  return createNodeSshRunner({
    privateKeyPath: config.ssh.privateKeyPath,
    knownHostsPath: config.ssh.knownHostsPath,
    hostKeyChecking: config.ssh.hostKeyChecking,
    concurrency: config.ssh.concurrency,
    connectTimeoutMs: config.ssh.connectTimeoutSeconds * 1000,
    logger,
  });
}

/** Starts the agent; resolves with a function that stops it. */
export async function runAgent(config: AgentConfig): Promise<() => Promise<void>> {
  const logger = createLogger({ level: config.log.level });
  await mkdir(config.state.dir, { recursive: true });
  const agent = createAgent({ config, logger, runner: createRunner(config, logger) });
  const { host, port } = parseListenAddress(config.endpoint.listen);
  const address = await agent.listen(port, host);
  logger.info(
    { url: address.url, host: address.host, port: address.port, nodes: agent.slice.list().length, dryRun: config.dryRun },
    'endpoint listening',
  );
  return async () => {
    logger.info('agent stopping');
    await agent.close();
    logger.flush();
  };
}
