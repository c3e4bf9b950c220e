import { mkdir } from 'node:fs/promises';
import { createAgent } from '../agent.js';
import { registerOnStart } from '../cluster/config-registration.js';
import { parseListenAddress } from '../config/listen-address.js';
import { ConfigError } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { loadDrainPlan } from '../drain/load-plan.js';
import { createLogger } from '../log/logger.js';
import { startStatusServer } from '../observe/status-server.js';
import type { ClientEndpointHandlers } from '../protocol/client-methods.js';
import { ShadowHandlers } from '../slice/shadow-handlers.js';
import { runnerFor } from '../ssh/runner-for.js';
import { configExit } from './exit-codes.js';
import { listenError } from './listen-error.js';
import { readNodeListOrExit } from './node-list-or-exit.js';
import { openStoreOrExit } from './open-store.js';
import { preflight } from './preflight.js';
import { readPrivateKeyOrExit } from './private-key-or-exit.js';
import { exitFor } from './register-command.js';

export interface RunOptions {
  /**
   * Answer the cluster but execute nothing and never release early; log what would have been
   * released. `dryRun: true` in the configuration runs this way too: a dry run reports every verify
   * passed, and a node must never be released on a verify that did not run.
   */
  shadow?: boolean;
  /** The configuration file: anchors the cluster section's relative paths. */
  configFile: string;
}

export interface RunningAgent {
  stop(): Promise<void>;
  /** Re-reads the node list (main.ts wires it to SIGHUP). */
  reloadNodes(): Promise<boolean>;
}

/**
 * The URL holds the token: a person at a terminal sees it whole; anywhere else (systemd's journal, a
 * pipe to a log) the token is replaced by where to find it, so it is never written to a log.
 */
function urlToShow(config: AgentConfig, options: RunOptions, address: { url: string; redactedUrl: string }): string {
  if (process.stderr.isTTY || address.url === address.redactedUrl) return address.url;
  const { tokenFile } = config.endpoint;
  const where = tokenFile ? `the first line of ${tokenFile}` : `endpoint.token in ${options.configFile}`;
  return `${address.redactedUrl} ([token]: ${where}; or run dynslice-agent register -c ${options.configFile})`;
}

/** Starts the agent; resolves once it listens. */
export async function runAgent(config: AgentConfig, options: RunOptions): Promise<RunningAgent> {
  const plan = await loadDrainPlan(config);
  const nodeList = await readNodeListOrExit(config);
  const shadowMode = options.shadow === true || config.dryRun;
  // Before anything listens: a drain the agent could never perform stops the start (exit 2).
  await preflight(config, { dryRun: shadowMode, listen: true });
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  await mkdir(config.state.dir, { recursive: true });
  if (config.dryRun && !options.shadow) {
    logger.warn(
      'dryRun: true runs the agent in shadow mode: it answers the cluster, runs nothing on the nodes and never ' +
        'releases a node early',
    );
  }
  let shadow: ShadowHandlers | undefined;
  const wrapHandlers = shadowMode
    ? (handlers: ClientEndpointHandlers) => (shadow = new ShadowHandlers(handlers, { logger, now: Date.now }))
    : undefined;
  const runner = shadowMode
    ? runnerFor(config, 'dry-run', { logger })
    : runnerFor(config, 'configured', { logger, privateKey: await readPrivateKeyOrExit(config) });
  // Shadow mode tries the agent out: it leaves the real journal alone.
  const store = shadowMode ? undefined : await openStoreOrExit(config.state.dir, logger);
  const agent = createAgent({ config, logger, runner, plan, wrapHandlers, store, nodeList });
  const { host, port } = parseListenAddress(config.endpoint.listen);
  const address = await agent.listen(port, host).catch((error: unknown) => {
    // A TLS file or token file that cannot be used is a configuration error (exit 2), like a bad key;
    // so is an address that cannot be listened on.
    throw error instanceof ConfigError
      ? configExit(error)
      : listenError('endpoint.listen', config.endpoint.listen, error);
  });
  const { tls, token, tokenFile, clientCa, allow } = config.endpoint;
  const callerChecks = [
    (token ?? tokenFile) ? 'token' : '',
    clientCa ? 'client-certificate' : '',
    allow ? 'source-allow-list' : '',
  ];
  logger.info(
    {
      url: address.redactedUrl,
      host: address.host,
      port: address.port,
      https: tls !== undefined,
      callerChecks: callerChecks.filter(Boolean),
      nodes: agent.slice.list().length,
      dryRun: config.dryRun,
      shadow: shadowMode,
    },
    'endpoint listening',
  );
  process.stderr.write(
    `dynslice-agent: register this endpoint with the cluster: ${urlToShow(config, options, address)}\n`,
  );
  const unregister = await registerOnStart(config, options.configFile, logger, address.url).catch(
    async (error: unknown) => {
      await agent.close();
      await store?.close();
      throw exitFor(error, 'registration');
    },
  );
  const status =
    config.status &&
    (await startStatusServer(agent, { ...config.status, logger }).catch(async (error: unknown) => {
      await agent.close();
      await store?.close();
      throw listenError('status.listen', config.status!.listen, error);
    }));
  if (status)
    logger.info({ url: status.url, tokenRequired: config.status?.token !== undefined }, 'status server listening');
  return {
    reloadNodes: () => agent.reloadNodes(),
    async stop() {
      logger.info('agent stopping');
      shadow?.logSummary();
      await unregister?.();
      if (status) await status.close();
      await agent.close();
      await store?.close();
      logger.flush();
    },
  };
}
